package io.drainpilot.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drainpilot.kubevirt.VirtualMachine;
import io.drainpilot.kubevirt.VirtualMachineInstance;
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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The simulated API server's front: counts requests, runs {@link RequestInterceptor}s, then adds what a real
 * KubeVirt cluster has and fabric8's CRUD mock lacks (the VMIM admission webhook, CRD schema pruning, the VM
 * start/stop subresources, the VMI {@code evacuate/cancel} subresource from 1.7) before handing the request to the CRUD
 * store.
 */
public final class SimDispatcher extends Dispatcher {
    /** User-Agent of the simulator's own client; its requests are not counted as the system under test's. */
    public static final String SIM_USER_AGENT = "drainpilot-sim";

    private static final String KUBEVIRT_API = "/apis/kubevirt.io/v1/namespaces/";

    private final KubernetesCrudDispatcher store;
    private final SimRecord record;
    private final boolean prunesAddedNodeSelector;
    /** KubeVirt 1.7 added the {@code evacuate/cancel} subresource; older virt-api has no such route (404). */
    private final boolean servesEvacuateCancel;
    private final MigrationAdmission admission;
    private final List<RequestInterceptor> interceptors = new CopyOnWriteArrayList<>();
    // admission and create must be one step, or two racing POSTs could both pass the in-flight check
    private final Object migrationCreateLock = new Object();
    private volatile Runnable afterEachRequest = () -> { };

    SimDispatcher(KubernetesCrudDispatcher store, SimRecord record, String kubeVirtVersion) {
        this.store = store;
        this.record = record;
        this.prunesAddedNodeSelector = KubeVirtVersions.isBefore(kubeVirtVersion, 1, 6);
        this.servesEvacuateCancel = !KubeVirtVersions.isBefore(kubeVirtVersion, 1, 7);
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
        Optional<String> badLabel = invalidLabel(request);
        if (badLabel.isPresent()) {
            return StatusResponses.failure(422, "Invalid", path.resource() + " \"" + (path.name() == null ? ""
                    : path.name()) + "\" is invalid: " + badLabel.get());
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
        if (request.method() == HttpMethod.PUT && "subresources.kubevirt.io".equals(path.group())
                && ("virtualmachineinstances".equals(path.resource()) || "virtualmachines".equals(path.resource()))
                && "evacuate".equals(path.subresource()) && request.getPath().split("\\?")[0].endsWith("/evacuate/cancel")) {
            return evacuateCancel(request, path);
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

    /** A write whose labels the API server would refuse (a label value longer than 63 characters, say). */
    private static Optional<String> invalidLabel(RecordedRequest request) {
        HttpMethod m = request.method();
        if (m != HttpMethod.POST && m != HttpMethod.PUT && m != HttpMethod.PATCH) {
            return Optional.empty();
        }
        if (request.getBody() == null) {
            return Optional.empty();
        }
        String text = new String(request.getBody().getBytes(), StandardCharsets.UTF_8);
        if (text.isBlank()) {
            return Optional.empty();
        }
        JsonNode body;
        try {
            body = Serialization.jsonMapper().readTree(text);
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // the store answers what does not parse
        }
        return body.isArray() ? LabelValues.inJsonPatch(body) : LabelValues.inObject(body);
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

    /**
     * KubeVirt's {@code start}/{@code stop} subresources ({@code pkg/virt-api/rest/lifecycle.go}): by runStrategy,
     * they flip it (Halted/Always) or leave a state change request for the VM controller (RerunOnFailure, Manual).
     * A start while requests are pending fails (500, "stop/start already underway"); a stop replaces them.
     * Not simulated: paused starts, a stop's grace-period override, dry run.
     */
    private MockResponse startOrStop(ApiPath path) {
        String vmPath = KUBEVIRT_API + path.namespace() + "/virtualmachines/" + path.name();
        MockResponse current = store.handleGet(vmPath);
        if (current.code() != 200) {
            return StatusResponses.failure(404, "NotFound",
                    "virtualmachine.kubevirt.io \"" + path.name() + "\" not found");
        }
        VirtualMachine vm = Serialization.unmarshal(current.getBody().readUtf8(), VirtualMachine.class);
        MockResponse vmiResponse = store.handleGet(KUBEVIRT_API + path.namespace() + "/virtualmachineinstances/" + path.name());
        VirtualMachineInstance vmi = vmiResponse.code() == 200
                ? Serialization.unmarshal(vmiResponse.getBody().readUtf8(), VirtualMachineInstance.class) : null;
        boolean vmiFinal = vmi != null && VmController.isFinal(vmi);
        String strategy = VmController.effectiveRunStrategy(vm);
        List<VirtualMachine.StateChangeRequest> requests = vm.getStatus() == null || vm.getStatus().stateChangeRequests == null
                ? new ArrayList<>() : new ArrayList<>(vm.getStatus().stateChangeRequests);
        if ("start".equals(path.subresource())) {
            if (vmi != null && !vmiFinal && !vmi.phase().isEmpty() && !"Unknown".equals(vmi.phase())) {
                return conflict(path.name(), "VM is already running");
            }
            switch (strategy) {
                case VirtualMachine.HALTED -> {
                    return patchVm(vmPath, "{\"spec\":{\"runStrategy\":\"" + VirtualMachine.ALWAYS + "\"}}");
                }
                case VirtualMachine.RERUN_ON_FAILURE, VirtualMachine.MANUAL -> {
                    boolean rerun = VirtualMachine.RERUN_ON_FAILURE.equals(strategy);
                    if (rerun && vmi != null && "Failed".equals(vmi.phase())) {
                        return conflict(path.name(), strategy + " does not support starting VM from failed state");
                    }
                    if (!requests.isEmpty()) {
                        // getChangeRequestJson: only a lone stop request may replace pending ones
                        return StatusResponses.failure(500, "InternalError",
                                "Internal error occurred: unable to complete request: stop/start already underway");
                    }
                    if (vmi != null && (rerun ? "Succeeded".equals(vmi.phase()) : vmiFinal)) {
                        requests.add(new VirtualMachine.StateChangeRequest(VirtualMachine.StateChangeRequest.STOP,
                                vmi.getMetadata().getUid()));
                    }
                    requests.add(new VirtualMachine.StateChangeRequest(VirtualMachine.StateChangeRequest.START, null));
                    return patchVm(vmPath + "/status", requestsPatch(requests));
                }
                default -> {
                    return conflict(path.name(), strategy + " does not support manual start requests");
                }
            }
        }
        switch (strategy) {
            case VirtualMachine.HALTED -> {
                return conflict(path.name(), vmi == null || vmiFinal ? "VM is not running"
                        : strategy + " only supports manual stop requests with a shorter graceperiod");
            }
            case VirtualMachine.RERUN_ON_FAILURE, VirtualMachine.MANUAL -> {
                if (vmi == null || vmiFinal) {
                    return conflict(path.name(), "VM is not running");
                }
                // a stop request replaces whatever is pending
                return patchVm(vmPath + "/status", requestsPatch(List.of(new VirtualMachine.StateChangeRequest(
                        VirtualMachine.StateChangeRequest.STOP, vmi.getMetadata().getUid()))));
            }
            default -> {
                return patchVm(vmPath, "{\"spec\":{\"runStrategy\":\"" + VirtualMachine.HALTED + "\"}}");
            }
        }
    }

    /**
     * KubeVirt's {@code evacuate/cancel} subresource ({@code pkg/virt-api/rest/evacuate_cancel.go}, 1.7+), for a VMI or
     * the VMI of a VM of the same name: refused (400) when the node it is evacuated from (else the node it runs on)
     * carries the drain taint (the taint, not the mark, drives that evacuation); 200 with nothing done when the VMI
     * is not marked; else the body ({@code {"evacuationNodeName": ...}}) is required and {@code status.evacuationNodeName}
     * is removed by a JSON patch that first tests it holds that node (another node: 500, as virt-api answers a failed
     * patch). Migrations already created are not touched. Before 1.7 the route does not exist: 404.
     * Not simulated: dry run, and a VM whose VMI does not exist answers 404 here (virt-api's VM fetcher answers a
     * conflict for a stopped VM).
     */
    private MockResponse evacuateCancel(RecordedRequest request, ApiPath path) {
        if (!servesEvacuateCancel) {
            return StatusResponses.failure(404, "NotFound", "the server could not find the requested resource");
        }
        String vmiPath = KUBEVIRT_API + path.namespace() + "/virtualmachineinstances/" + path.name();
        MockResponse current = store.handleGet(vmiPath);
        if (current.code() != 200) {
            return StatusResponses.failure(404, "NotFound",
                    "virtualmachineinstance.kubevirt.io \"" + path.name() + "\" not found");
        }
        VirtualMachineInstance vmi = Serialization.unmarshal(current.getBody().readUtf8(), VirtualMachineInstance.class);
        String marked = vmi.getStatus() == null ? null : vmi.getStatus().evacuationNodeName;
        String node = marked == null || marked.isEmpty() ? vmi.nodeName().orElse(null) : marked;
        if (node != null) {
            MockResponse n = store.handleGet("/api/v1/nodes/" + node);
            if (n.code() != 200) {
                return StatusResponses.failure(500, "InternalError", "Internal error occurred: nodes \"" + node
                        + "\" not found");
            }
            io.fabric8.kubernetes.api.model.Node nodeObject = Serialization.unmarshal(n.getBody().readUtf8(),
                    io.fabric8.kubernetes.api.model.Node.class);
            String taintKey = nodeDrainTaintKey();
            if (EvacuationController.hasDrainTaint(nodeObject, taintKey)) {
                return StatusResponses.failure(400, "BadRequest", "Node \"" + node + "\" has NodeDrainTaintKey \""
                        + taintKey + ":NoSchedule\"");
            }
        }
        if (marked == null || marked.isEmpty()) {
            return new MockResponse().setResponseCode(200);
        }
        String text = request.getBody() == null ? "" : new String(request.getBody().getBytes(), StandardCharsets.UTF_8);
        if (text.isBlank()) {
            return StatusResponses.failure(400, "BadRequest", "No body");
        }
        String asked = readJson(text).path("evacuationNodeName").asText("");
        String patch = "[{\"op\":\"test\",\"path\":\"/status/evacuationNodeName\",\"value\":"
                + Serialization.asJson(asked) + "},{\"op\":\"remove\",\"path\":\"/status/evacuationNodeName\"}]";
        RecordedRequest patchRequest = new RecordedRequest("HTTP/1.1", HttpMethod.PATCH, vmiPath,
                Headers.builder().add("Content-Type", "application/json-patch+json").build(), utf8(patch));
        try {
            MockResponse patched = store.dispatch(patchRequest);
            if (patched.code() / 100 != 2) {
                return StatusResponses.failure(500, "InternalError", "Internal error occurred: " + patched.code());
            }
        } catch (JsonPatchException e) {
            return StatusResponses.failure(500, "InternalError", "Internal error occurred: " + e.getMessage());
        }
        return new MockResponse().setResponseCode(200);
    }

    /** The KubeVirt CR's {@code nodeDrainTaintKey}, else KubeVirt's default. */
    private String nodeDrainTaintKey() {
        MockResponse list = store.handleGet("/apis/kubevirt.io/v1/kubevirts");
        if (list.code() == 200) {
            for (JsonNode item : readJson(list.getBody().readUtf8()).path("items")) {
                String key = item.path("spec").path("configuration").path("migrations").path("nodeDrainTaintKey").asText("");
                if (!key.isEmpty()) {
                    return key;
                }
            }
        }
        return io.drainpilot.kubevirt.KubeVirtNames.TAINT_DRAIN;
    }

    private static String requestsPatch(List<VirtualMachine.StateChangeRequest> requests) {
        return "{\"status\":{\"stateChangeRequests\":" + Serialization.asJson(requests) + "}}";
    }

    private MockResponse patchVm(String path, String mergePatch) {
        RecordedRequest patchRequest = new RecordedRequest("HTTP/1.1", HttpMethod.PATCH, path,
                Headers.builder().add("Content-Type", "application/merge-patch+json").build(), utf8(mergePatch));
        MockResponse patched = store.dispatch(patchRequest);
        if (patched.code() / 100 != 2) {
            return patched;
        }
        return new MockResponse().setResponseCode(202);
    }

    private static MockResponse conflict(String name, String message) {
        return StatusResponses.failure(409, "Conflict", "Operation cannot be fulfilled on virtualmachine.kubevirt.io \""
                + name + "\": " + message);
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
