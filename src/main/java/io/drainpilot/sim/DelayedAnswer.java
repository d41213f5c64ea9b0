package io.drainpilot.sim;

import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Acts on the first {@code times} requests that match at once, like the API server does, but answers them only after
 * {@code delay}: a slow network or an overloaded server, seen from the client. Lets a test hold a client in the middle
 * of what it is doing (the answer is sent by a timer; nothing blocks).
 */
public final class DelayedAnswer implements RequestInterceptor {
    private final SimDispatcher dispatcher;
    private final Predicate<RecordedRequest> which;
    private final Duration delay;
    private final AtomicInteger left;
    private final ThreadLocal<Boolean> passing = ThreadLocal.withInitial(() -> false);

    public DelayedAnswer(SimulatedCluster cluster, Predicate<RecordedRequest> which, Duration delay, int times) {
        this.dispatcher = cluster.dispatcher();
        this.which = which;
        this.delay = delay;
        this.left = new AtomicInteger(times);
    }

    @Override
    public Optional<MockResponse> intercept(RecordedRequest request) {
        if (passing.get() || !which.test(request) || left.getAndDecrement() <= 0) {
            return Optional.empty();
        }
        passing.set(true);
        try {
            MockResponse answer = dispatcher.passOn(request);
            answer.setBodyDelay(delay);
            return Optional.of(answer);
        } finally {
            passing.set(false);
        }
    }
}
