package io.drainpilot.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drainpilot.kubevirt.VirtualMachine;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;

import java.io.IOException;
import java.io.UncheckedIOException;
import io.fabric8.zjsonpatch.JsonPatchException;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The simulated API server's front: counts requests, runs {@link RequestInterceptor}s, then adds what a real
 * KubeVirt cluster has and fabric8's CRUD mock lacks (the VMIM admission webhook, CRD schema pruning, the VM
 * start/stop subresources) before handing the request to the CRUD store.
 */
public final class SimDispatcher extends Dispatcher {
    /** User-Agent of the simulator's own client; its requests are not counted as the system under test's. */
    public static final String SIM_USER_AGENT = "drainpilot-sim";

    private static final String KUBEVIRT_API = "/apis/kubevirt.io/v1/namespaces/";

    private final KubernetesCrudDispatcher store;
    private final SimRecord record;
    private final boolean prunesAddedNodeSelector;
    private final MigrationAdmission admission;
    private final List<RequestInterceptor> interceptors = new CopyOnWriteArrayList<>();
    // admission and create must be one step, or two racing POSTs could both pass the in-flight check
    private final Object migrationCreateLock = new Object();
    private volatile Runnable afterEachRequest = () -> { };

    SimDispatcher(KubernetesCrudDispatcher store, SimRecord record, String kubeVirtVersion) {
        this.store = store;
        this.record = record;
        this.prunesAddedNodeSelector = KubeVirtVersions.isBefore(kubeVirtVersion, 1, 6);
        this.admission = new MigrationAdmission(store);
    }

    /** Runs after every request has been answered (the cluster uses it to keep the web server from hoarding). */
    void afterEachRequest(Runnable hook) {
        this.afterEachRequest = hook;
    }

    public void addInterceptor(RequestInterceptor interceptor) {
        interceptors.add(interceptor);
    }

    public void removeInterceptor(RequestInterceptor interceptor) {
        interceptors.remove(interceptor);
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        try {
            return recordAndAnswer(request);
        } finally {
            afterEachRequest.run();
        }
    }

    private MockResponse recordAndAnswer(RecordedRequest request) {
        ApiPath path = ApiPath.parse(request.getPath());
        if (SIM_USER_AGENT.equals(request.getHeader("User-Agent"))) {
            return answer(request, path);
        }
        // a GET without a name is a list: counted apart, since a list is what a cache saves
        record.request((path.isWatch() ? "WATCH" : "GET".equals(request.getMethod()) && path.name() == null ? "LIST"
                : request.getMethod()) + " " + path.kind());
        long start = System.nanoTime();
        try {
            return answer(request, path);
        } finally {
            record.served(System.nanoTime() - start);
        }
    }

    /**
     * For an interceptor that lets a request through after all (and answers late): the normal handling, without
     * counting the request a second time.
     */
    MockResponse passOn(RecordedRequest request) {
        return answer(request, ApiPath.parse(request.getPath()));
    }

    private MockResponse answer(RecordedRequest request, ApiPath path) {
        for (RequestInterceptor interceptor : interceptors) {
            Optional<MockResponse> answer = interceptor.intercept(request);
            if (answer.isPresent()) {
                return answer.get();
            }
        }
        if (request.method() == HttpMethod.POST && "kubevirt.io".equals(path.group())
                && "virtualmachineinstancemigrations".equals(path.resource()) && path.name() == null) {
            return createMigration(request, path);
        }
        if (request.method() == HttpMethod.PUT && "subresources.kubevirt.io".equals(path.group())
                && "virtualmachines".equals(path.resource())
                && ("start".equals(path.subresource()) || "stop".equals(path.subresource()))) {
            return startOrStop(path);
        }
        try {
            return store.dispatch(request);
        } catch (JsonPatchException e) {
            // the mock server lets a failed JSON patch (a "test" op that does not hold) escape and never answers;
            // a real API server answers 422, which is what clients retry on
            return StatusResponses.failure(422, "Invalid", "the server rejected our request due to an error in our"
                    + " request: " + e.getMessage());
        }
    }

    @Override
    public void shutdown() {
        store.shutdown();
    }

    private MockResponse createMigration(RecordedRequest request, ApiPath path) {
        ObjectNode body = (ObjectNode) readJson(new String(request.getBody().getBytes(), StandardCharsets.UTF_8));
        String vmiName = body.path("spec").path("vmiName").asText(null);
        Map<String, String> received = stringMap(body.path("spec").path("addedNodeSelector"));
        synchronized (migrationCreateLock) {
            Optional<String> denial = admission.deny(path.namespace(), vmiName);
            if (denial.isPresent()) {
                record.refused(new SimRecord.Refusal(path.namespace(), vmiName, denial.get(), Instant.now()));
                return StatusResponses.failure(422, "Invalid", denial.get());
            }
            if (prunesAddedNodeSelector && body.path("spec") instanceof ObjectNode spec) {
                // the pre-1.6 CRD schema has no such field: a real API server silently drops it
                spec.remove("addedNodeSelector");
            }
            MockResponse response = store.dispatch(withBody(request, body.toString()));
            if (response.code() / 100 == 2) {
                JsonNode created = readJson(new String(response.getBody().getBytes(), StandardCharsets.UTF_8));
                record.migrationCreated(new SimRecord.CreatedMigration(path.namespace(),
                        created.path("metadata").path("name").asText(), vmiName,
                        stringMap(created.path("metadata").path("labels")), received, Instant.now()));
            }
            return response;
        }
    }

    /** KubeVirt's {@code start}/{@code stop} subresources: they only flip the VM's runStrategy. */
    private MockResponse startOrStop(ApiPath path) {
        String vmPath = KUBEVIRT_API + path.namespace() + "/virtualmachines/" + path.name();
        MockResponse current = store.handleGet(vmPath);
        if (current.code() != 200) {
            return StatusResponses.failure(404, "NotFound",
                    "virtualmachine.kubevirt.io \"" + path.name() + "\" not found");
        }
        VirtualMachine vm = Serialization.unmarshal(current.getBody().readUtf8(), VirtualMachine.class);
        boolean start = "start".equals(path.subresource());
        String wanted = start ? VirtualMachine.ALWAYS : VirtualMachine.HALTED;
        if (wanted.equals(vm.runStrategy())) {
            return StatusResponses.failure(409, "Conflict", start ? "VM is already running" : "VM is not running");
        }
        String patch = "{\"spec\":{\"runStrategy\":\"" + wanted + "\"}}";
        RecordedRequest patchRequest = new RecordedRequest("HTTP/1.1", HttpMethod.PATCH, vmPath,
                Headers.builder().add("Content-Type", "application/merge-patch+json").build(), utf8(patch));
        MockResponse patched = store.dispatch(patchRequest);
        if (patched.code() / 100 != 2) {
            return patched;
        }
        return new MockResponse().setResponseCode(202);
    }

    private static RecordedRequest withBody(RecordedRequest request, String body) {
        return new RecordedRequest(request.getHttpVersion(), request.method(), request.getPath(),
                request.getHeaders(), utf8(body));
    }

    private static Buffer utf8(String text) {
        return new Buffer(text.getBytes(StandardCharsets.UTF_8));
    }

    private static JsonNode readJson(String json) {
        try {
            return Serialization.jsonMapper().readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, String> stringMap(JsonNode node) {
        if (node == null || !node.isObject()) {
            return null;
        }
        Map<String, String> map = new LinkedHashMap<>();
        node.fields().forEachRemaining(e -> map.put(e.getKey(), e.getValue().asText()));
        return map;
    }
}
