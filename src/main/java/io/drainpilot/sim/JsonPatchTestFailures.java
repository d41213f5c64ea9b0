package io.drainpilot.sim;

import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;

import java.util.Optional;

/**
 * Works around a gap of fabric8's CRUD mock (7.5.2): a JSON patch whose {@code test} op fails (e.g. a stale
 * {@code /metadata/resourceVersion}, as ClusterApi's optimistic patches send) throws {@code JsonPatchException} on the
 * Vert.x event loop ("ContextImpl - Unhandled exception") and the request is never answered: the client hangs until
 * its request timeout (10 s by default). A real API server answers 422. This interceptor handles JSON patches itself
 * (through the dispatcher, re-entered once) and turns that exception into a 422.
 *
 * <p>Side effect: SimRecord counts each JSON-patch request twice (the outer and the re-entered dispatch).
 * The proper fix is a try/catch around {@code store.dispatch(request)} in {@link SimDispatcher#dispatch}.
 */
public final class JsonPatchTestFailures implements RequestInterceptor {
    private final SimDispatcher dispatcher;
    private final ThreadLocal<Boolean> inside = ThreadLocal.withInitial(() -> false);

    private JsonPatchTestFailures(SimDispatcher dispatcher) {
        this.dispatcher = dispatcher;
    }

    public static JsonPatchTestFailures install(SimulatedCluster cluster) {
        JsonPatchTestFailures i = new JsonPatchTestFailures(cluster.dispatcher());
        cluster.dispatcher().addInterceptor(i);
        return i;
    }

    @Override
    public Optional<MockResponse> intercept(RecordedRequest request) {
        if (inside.get() || request.method() != HttpMethod.PATCH) {
            return Optional.empty();
        }
        String type = request.getHeader("Content-Type");
        if (type == null || !type.startsWith("application/json-patch+json")) {
            return Optional.empty();
        }
        inside.set(true);
        try {
            return Optional.of(dispatcher.dispatch(request));
        } catch (RuntimeException e) {
            if (e.getClass().getName().contains("JsonPatch")) {
                return Optional.of(StatusResponses.failure(422, "Invalid", "the JSON patch test failed: " + e.getMessage()));
            }
            throw e;
        } finally {
            inside.set(false);
        }
    }
}
