package io.drainpilot.sim;

import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;

import java.util.Optional;

/**
 * Sees every API request before the simulated API server handles it; answering one replaces the normal
 * handling. The hook for fault injection (errors, latency, dropped watches). The simulator's own requests
 * pass through too; they carry the User-Agent {@link SimDispatcher#SIM_USER_AGENT}.
 */
@FunctionalInterface
public interface RequestInterceptor {
    /** @return a response to send instead of handling the request, or empty to let it through */
    Optional<MockResponse> intercept(RecordedRequest request);
}
