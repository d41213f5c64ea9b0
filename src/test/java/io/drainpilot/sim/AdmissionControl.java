package io.drainpilot.sim;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.zjsonpatch.JsonPatch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * Validating admission for the simulated API server: every write of the system under test (create, patch, update,
 * delete) is turned into what a real API server hands its admission policies (the stored object before the write,
 * the object the write would store, the operation) and reviewed; a refused write is answered 403 Forbidden, as the
 * API server does for a policy whose validation says {@code reason: Forbidden}, and never reaches the store.
 *
 * <p>Simplifications, written down: only JSON patches ({@code application/json-patch+json}, what DrainPilot sends)
 * and full-object writes are computed; another patch type is reviewed with the object unchanged. The object
 * reviewed is the patched stored object, before the API server's own defaulting and before a status subresource
 * resets the status (the patches reviewed do not touch status). A JSON patch that does not apply (a {@code test}
 * that fails, an {@code add} under a missing parent) is answered 422 before admission, as a real API server does;
 * fabric8's mock store alone is more lenient there.
 */
public final class AdmissionControl implements RequestInterceptor {

    /**
     * One write as admission sees it; {@code object} is null for a delete, {@code oldObject} null for a create.
     * {@code userAgent} stands for the user: the simulated API server has no authentication.
     */
    public record Write(String userAgent, String operation, String group, String version, String resource, String namespace,
                       String name, Map<String, Object> object, Map<String, Object> oldObject, String body) {
        /** {@code group/resource} ({@code core} for the core group) and the operation, e.g. {@code core/secrets UPDATE}. */
        public String kind() {
            return (group.isEmpty() ? "core" : group) + "/" + resource + " " + operation;
        }
    }

    /** A write and what admission answered: the refusals, empty when allowed. */
    public record Reviewed(Write write, List<String> denials) {
    }

    private final SimDispatcher dispatcher;
    private final Function<Write, List<String>> reviewer;
    private final List<Reviewed> reviewed = new CopyOnWriteArrayList<>();

    private AdmissionControl(SimDispatcher dispatcher, Function<Write, List<String>> reviewer) {
        this.dispatcher = dispatcher;
        this.reviewer = reviewer;
    }

    /** Puts admission in front of the cluster's store. */
    public static AdmissionControl install(SimulatedCluster cluster, Function<Write, List<String>> reviewer) {
        AdmissionControl control = new AdmissionControl(cluster.dispatcher(), reviewer);
        cluster.dispatcher().addInterceptor(control);
        return control;
    }

    public List<Reviewed> reviewed() {
        return List.copyOf(reviewed);
    }

    @Override
    public Optional<MockResponse> intercept(RecordedRequest request) {
        if (SimDispatcher.SIM_USER_AGENT.equals(request.getHeader("User-Agent"))) {
            return Optional.empty();
        }
        ApiPath path = ApiPath.parse(request.getPath());
        String operation = switch (request.method()) {
            case POST -> path.name() == null ? "CREATE" : null;
            case PUT, PATCH -> path.name() != null && path.subresource() == null ? "UPDATE" : null;
            case DELETE -> path.name() != null && path.subresource() == null ? "DELETE" : null;
            default -> null;
        };
        if (operation == null || path.group() == null) {
            return Optional.empty();
        }
        String body = request.getBody() == null ? "" : new String(request.getBody().getBytes(), StandardCharsets.UTF_8);
        Map<String, Object> old = "CREATE".equals(operation) ? null : current(request.getPath());
        if (!"CREATE".equals(operation) && old == null) {
            return Optional.empty(); // not found: the store answers 404 before admission would run
        }
        Map<String, Object> object;
        if ("DELETE".equals(operation)) {
            object = null;
        } else if ("CREATE".equals(operation) || request.method() == HttpMethod.PUT) {
            object = map(readJson(body));
        } else if (String.valueOf(request.getHeader("Content-Type")).startsWith("application/json-patch+json")) {
            try {
                object = map(JsonPatch.apply(readJson(body), Serialization.jsonMapper().valueToTree(old)));
            } catch (RuntimeException e) {
                // as a real API server: a patch that does not apply (a failed test op, a missing parent) is 422
                return Optional.of(StatusResponses.failure(422, "Invalid", "the server rejected our request due to an"
                        + " error in our request: " + e.getMessage()));
            }
        } else {
            object = old;
        }
        String name = path.name() != null ? path.name()
                : object == null ? null : String.valueOf(((Map<?, ?>) object.getOrDefault("metadata", Map.of())).get("name"));
        Write write = new Write(request.getHeader("User-Agent"), operation, path.group(), path.version(), path.resource(), path.namespace(), name,
                object, old, body);
        List<String> denials = reviewer.apply(write);
        reviewed.add(new Reviewed(write, List.copyOf(denials)));
        if (denials.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(StatusResponses.failure(403, "Forbidden", "admission webhook denied the request: "
                + String.join("; ", denials)));
    }

    /** The stored object at a path, read past the interceptors' counting, or null when there is none. */
    private Map<String, Object> current(String rawPath) {
        int q = rawPath.indexOf('?');
        String path = q < 0 ? rawPath : rawPath.substring(0, q);
        RecordedRequest get = new RecordedRequest("HTTP/1.1", HttpMethod.GET, path,
                Headers.builder().add("User-Agent", SimDispatcher.SIM_USER_AGENT).build(), new Buffer(new byte[0]));
        MockResponse response = dispatcher.passOn(get);
        if (response.code() != 200) {
            return null;
        }
        return map(readJson(response.getBody().readUtf8()));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(JsonNode node) {
        return Serialization.jsonMapper().convertValue(node, Map.class);
    }

    private static JsonNode readJson(String json) {
        try {
            return Serialization.jsonMapper().readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
