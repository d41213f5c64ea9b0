package io.drainpilot.kubevirt;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;

import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.time.Instant;
import java.util.ArrayList;
import java.util.function.Function;
import java.util.function.Supplier;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Every Kubernetes call DrainPilot makes, in one place: what it watches, what it writes, and the permission each
 * needs ({@link ApiCall}). Reads come from informers built here (list once, then watch); the stages read their
 * caches, never a list per decision. Writes are JSON patches that first test the resourceVersion they were computed
 * from (the cached object; a conflict reads it again), so two writers never silently overwrite each other. Every
 * write asks the {@link WriteFence} first: a replica that is not the leader writes nothing.
 */
public class ClusterApi {
    private static final int CONFLICT_RETRIES = 5;
    public static final String HARVESTER_NAMESPACE = "harvester-system";
    public static final ResourceDefinitionContext HARVESTER_SETTING = new ResourceDefinitionContext.Builder()
            .withGroup("harvesterhci.io").withVersion("v1beta1").withKind("Setting").withPlural("settings")
            .withNamespaced(false).build();
    public static final ResourceDefinitionContext HARVESTER_UPGRADE = new ResourceDefinitionContext.Builder()
            .withGroup("harvesterhci.io").withVersion("v1beta1").withKind("Upgrade").withPlural("upgrades")
            .withNamespaced(true).build();

    private static final PatchContext JSON_PATCH = PatchContext.of(PatchType.JSON);

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ClusterApi.class);

    private final KubernetesClient client;
    private final boolean dryRun;
    private final WriteFence fence;
    private volatile ViewLink view = ViewLink.NONE;

    /**
     * @param dryRun true: every write is logged as "would ..." and not sent; reads go to the cluster as usual
     * @param fence  asked right before every write
     */
    public ClusterApi(KubernetesClient client, boolean dryRun, WriteFence fence) {
        this.client = client;
        this.dryRun = dryRun;
        this.fence = fence;
    }

    public ClusterApi(KubernetesClient client, boolean dryRun) {
        this(client, dryRun, WriteFence.ALWAYS);
    }

    public ClusterApi(KubernetesClient client) {
        this(client, false);
    }

    /** The caches writes start from and report to. */
    public void link(ViewLink view) {
        this.view = view == null ? ViewLink.NONE : view;
    }

    public boolean dryRun() {
        return dryRun;
    }

    /** True when the write must not be sent: a dry run (logged), or this replica is no longer the leader (thrown). */
    private boolean skipWrite(String what) {
        if (dryRun) {
            LOG.info("dry run: would {}", what);
            return true;
        }
        if (!fence.mayWrite()) {
            throw new WriteFence.NotLeaderException(what);
        }
        return false;
    }

    // ---- informers: the cluster view is built from these (list once, then watch; the caller starts them)

    @ApiCall(group = "", resource = "nodes", verbs = {"list", "watch"})
    public SharedIndexInformer<Node> nodeInformer(ItemStore<Node> store) {
        return client.nodes().withLimit(500L).runnableInformer(0).itemStore(store);
    }

    /**
     * Rancher's machine-plan Secrets only (field selector on the type), and of those only their metadata: the API
     * server answers {@code PartialObjectMetadata}, so a plan (what rancher-system-agent runs as root) and the
     * namespace's other Secrets never reach this process.
     */
    @ApiCall(group = "", resource = "secrets", verbs = {"list", "watch"}, namespace = "fleet-local")
    public SharedIndexInformer<Secret> planSecretInformer(String namespace, String type, ItemStore<Secret> store) {
        return metadataOnly().secrets().inNamespace(namespace).withField("type", type).runnableInformer(0)
                .itemStore(store);
    }

    /** Server-side content negotiation, as kubectl and client-go's metadata client ask for it. */
    static final String ACCEPT_METADATA_ONLY = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1";

    private KubernetesClient metadataClient;

    /** The same connection settings, asking for metadata only (fabric8 7.5 has no per-request content type). */
    private synchronized KubernetesClient metadataOnly() {
        if (metadataClient == null) {
            Map<String, String> headers = new java.util.HashMap<>();
            if (client.getConfiguration().getCustomHeaders() != null) {
                headers.putAll(client.getConfiguration().getCustomHeaders());
            }
            headers.put("Accept", ACCEPT_METADATA_ONLY);
            metadataClient = new io.fabric8.kubernetes.client.KubernetesClientBuilder().withConfig(
                    new io.fabric8.kubernetes.client.ConfigBuilder(client.getConfiguration()).withCustomHeaders(headers)
                            .build()).build();
        }
        return metadataClient;
    }

    /** Closes the metadata-only client (the main client belongs to whoever made it). */
    public synchronized void close() {
        if (metadataClient != null) {
            metadataClient.close();
            metadataClient = null;
        }
    }

    @ApiCall(group = KubeVirtNames.GROUP, resource = "virtualmachineinstancemigrations", verbs = {"list", "watch"})
    public SharedIndexInformer<VirtualMachineInstanceMigration> migrationInformer(
            ItemStore<VirtualMachineInstanceMigration> store) {
        return client.resources(VirtualMachineInstanceMigration.class).inAnyNamespace().withLimit(500L)
                .runnableInformer(0).itemStore(store);
    }

    /** The VMIs KubeVirt reports on one node (its {@code kubevirt.io/nodeName} label), narrowed by {@code extraSelector}. */
    @ApiCall(group = KubeVirtNames.GROUP, resource = "virtualmachineinstances", verbs = {"list", "watch"})
    public SharedIndexInformer<VirtualMachineInstance> vmiInformer(String node, String extraSelector,
            ItemStore<VirtualMachineInstance> store) {
        // a node name that is no valid label value cannot be selected by (the API server refuses the selector): its
        // VMIs are told apart by where they run (see ClusterView)
        String byNode = io.drainpilot.names.Names.labelValue(node).equals(node)
                ? KubeVirtNames.LABEL_NODE_NAME + "=" + node : "";
        String extra = extraSelector == null || extraSelector.isBlank() ? "" : extraSelector;
        String selector = byNode.isEmpty() ? extra : extra.isEmpty() ? byNode : byNode + "," + extra;
        var all = client.resources(VirtualMachineInstance.class).inAnyNamespace();
        return (selector.isEmpty() ? all : all.withLabelSelector(selector)).runnableInformer(0).itemStore(store);
    }

    /**
     * The virt-launcher pods on one node ({@code kubevirt.io=virt-launcher}, field {@code spec.nodeName}), in every
     * namespace: their nodeSelector holds the CPU selectors KubeVirt keeps for a host-model VMI's next migration.
     */
    @ApiCall(group = "", resource = "pods", verbs = {"list", "watch"})
    public SharedIndexInformer<Pod> launcherPodInformer(String node, ItemStore<Pod> store) {
        return client.pods().inAnyNamespace().withLabel(KubeVirtNames.LABEL_APP, KubeVirtNames.VIRT_LAUNCHER)
                .withField("spec.nodeName", node).runnableInformer(0).itemStore(store);
    }

    /** The VMs carrying a label key (any value): the only VM labels DrainPilot reads are its own. */
    @ApiCall(group = KubeVirtNames.GROUP, resource = "virtualmachines", verbs = {"list", "watch"})
    public SharedIndexInformer<VirtualMachine> vmInformer(String labelKey, ItemStore<VirtualMachine> store) {
        return client.resources(VirtualMachine.class).inAnyNamespace().withLabel(labelKey).runnableInformer(0)
                .itemStore(store);
    }

    @ApiCall(group = KubeVirtNames.GROUP, resource = "kubevirts", verbs = {"list", "watch"})
    public SharedIndexInformer<KubeVirt> kubeVirtInformer(ItemStore<KubeVirt> store) {
        return client.resources(KubeVirt.class).inAnyNamespace().runnableInformer(0).itemStore(store);
    }

    /** Harvester's upgrades: they live in {@value #HARVESTER_NAMESPACE}. */
    @ApiCall(group = "harvesterhci.io", resource = "upgrades", verbs = {"list", "watch"}, namespace = HARVESTER_NAMESPACE)
    public SharedIndexInformer<GenericKubernetesResource> upgradeInformer(ItemStore<GenericKubernetesResource> store) {
        return client.genericKubernetesResources(HARVESTER_UPGRADE).inNamespace(HARVESTER_NAMESPACE).runnableInformer(0)
                .itemStore(store);
    }

    /**
     * Whether the cluster serves a kind at all (a CRD that is not installed answers 404; one we may not read, 403):
     * an informer on an absent kind would only fail and retry forever.
     */
    @ApiCall(group = KubeVirtNames.GROUP, resource = "kubevirts", verbs = "list")
    @ApiCall(group = "harvesterhci.io", resource = "upgrades", verbs = "list", namespace = HARVESTER_NAMESPACE)
    public boolean serves(ResourceDefinitionContext kind, String namespace) {
        try {
            var op = client.genericKubernetesResources(kind);
            (namespace == null ? op.inAnyNamespace() : op.inNamespace(namespace))
                    .list(new io.fabric8.kubernetes.api.model.ListOptionsBuilder().withLimit(1L).build());
            return true;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404 || e.getCode() == 403) {
                return false;
            }
            throw e;
        }
    }

    // ---- nodes

    /**
     * Readiness: lists at most one node and waits at most {@code timeout}; throws when the API server does not
     * answer in time or refuses (the same permission the view uses, so it also proves the credentials work).
     */
    @ApiCall(group = "", resource = "nodes", verbs = "list")
    public void probe(java.time.Duration timeout) throws Exception {
        java.util.concurrent.CompletableFuture
                .supplyAsync(() -> client.nodes().list(new io.fabric8.kubernetes.api.model.ListOptionsBuilder()
                        .withLimit(1L).build()))
                .get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /** One node read fresh from the API server (for the few decisions that must not trust a cache). */
    @ApiCall(group = "", resource = "nodes", verbs = "get")
    public Optional<Node> node(String name) {
        return Optional.ofNullable(client.nodes().withName(name).get());
    }

    /** Sets (value) or removes (null) annotations on a node. */
    @ApiCall(group = "", resource = "nodes", verbs = {"get", "patch"})
    public void annotateNode(String name, Map<String, String> annotations) {
        updateNodeAnnotations(name, current -> annotations);
    }

    /**
     * Changes a node's annotations as a function of their current values, re-applied on the fresh object
     * when another writer came first: counters kept in annotations never lose an update.
     */
    @ApiCall(group = "", resource = "nodes", verbs = {"get", "patch"})
    public void updateNodeAnnotations(String name, Function<Map<String, String>, Map<String, String>> change) {
        if (dryRun) {
            Node n = Optional.ofNullable(view.cached(Node.class, null, name)).orElseGet(() -> client.nodes().withName(name).get());
            skipWrite("annotate node " + name + " " + (n == null ? "?" : change.apply(annotationsOf(n))));
            return;
        }
        if (!fence.mayWrite()) {
            throw new WriteFence.NotLeaderException("annotate node " + name);
        }
        patchWithRetry("annotate node " + name, view.cached(Node.class, null, name),
                () -> client.nodes().withName(name).get(),
                (cur, patch) -> client.nodes().resource(cur).patch(JSON_PATCH, patch),
                n -> annotationOps(n, change.apply(annotationsOf(n))));
    }

    /** Cordons ({@code true}) or uncordons a node, with annotations changed in the same write. */
    @ApiCall(group = "", resource = "nodes", verbs = {"get", "patch"})
    public void setUnschedulable(String name, boolean unschedulable, Map<String, String> annotations) {
        if (skipWrite((unschedulable ? "cordon" : "uncordon") + " node " + name + " " + annotations)) {
            return;
        }
        patchWithRetry((unschedulable ? "cordon" : "uncordon") + " node " + name, view.cached(Node.class, null, name),
                () -> client.nodes().withName(name).get(),
                (cur, patch) -> client.nodes().resource(cur).patch(JSON_PATCH, patch), n -> {
                    List<Map<String, Object>> ops = annotationOps(n, annotations);
                    if (n.getSpec() == null) {
                        ops.add(Map.of("op", "add", "path", "/spec", "value", Map.of()));
                    }
                    ops.add(unschedulable ? Map.of("op", "add", "path", "/spec/unschedulable", "value", true)
                            : Map.of("op", "add", "path", "/spec/unschedulable", "value", false));
                    return ops;
                });
    }

    private static Map<String, String> annotationsOf(HasMetadata o) {
        return o.getMetadata().getAnnotations() == null ? Map.of() : Map.copyOf(o.getMetadata().getAnnotations());
    }

    // ---- VMIs

    /** One VMI read fresh from the API server (for the few decisions that must not trust a cache). */
    @ApiCall(group = KubeVirtNames.GROUP, resource = "virtualmachineinstances", verbs = "get")
    public Optional<VirtualMachineInstance> vmi(String namespace, String name) {
        VirtualMachineInstance fresh = client.resources(VirtualMachineInstance.class).inNamespace(namespace)
                .withName(name).get();
        if (fresh != null) {
            view.written(fresh); // newer than what a lagging watch holds: the cache takes it
        }
        return Optional.ofNullable(fresh);
    }

    @ApiCall(group = KubeVirtNames.GROUP, resource = "virtualmachineinstances", verbs = {"get", "patch"})
    public void annotateVmi(String namespace, String name, Map<String, String> annotations) {
        if (skipWrite("annotate VMI " + namespace + "/" + name + " " + annotations)) {
            return;
        }
        var op = client.resources(VirtualMachineInstance.class).inNamespace(namespace);
        patchWithRetry("annotate VMI " + namespace + "/" + name,
                view.cached(VirtualMachineInstance.class, namespace, name), () -> op.withName(name).get(),
                (cur, patch) -> op.resource(cur).patch(JSON_PATCH, patch), v -> annotationOps(v, annotations));
    }

    /** Changes a VMI's labels and annotations (null value: remove) in one conflict-checked write. */
    @ApiCall(group = KubeVirtNames.GROUP, resource = "virtualmachineinstances", verbs = {"get", "patch"})
    public void labelVmi(String namespace, String name, Map<String, String> labels, Map<String, String> annotations) {
        if (skipWrite("label VMI " + namespace + "/" + name + " " + labels + " " + annotations)) {
            return;
        }
        var op = client.resources(VirtualMachineInstance.class).inNamespace(namespace);
        patchWithRetry("label VMI " + namespace + "/" + name,
                view.cached(VirtualMachineInstance.class, namespace, name), () -> op.withName(name).get(),
                (cur, patch) -> op.resource(cur).patch(JSON_PATCH, patch), v -> {
                    List<Map<String, Object>> ops = metadataOps("labels", v.getMetadata().getLabels(), labels);
                    ops.addAll(annotationOps(v, annotations));
                    return ops;
                });
    }

    // ---- MigrationPolicies (cluster-scoped)

    /** Creates the MigrationPolicy, or brings an existing one's spec to {@code wanted}'s. */
    @ApiCall(group = MigrationPolicy.GROUP, resource = "migrationpolicies", verbs = {"get", "create", "update"})
    public void ensureMigrationPolicy(MigrationPolicy wanted) {
        String name = wanted.getMetadata().getName();
        if (skipWrite("keep MigrationPolicy " + name)) {
            return;
        }
        var op = client.resources(MigrationPolicy.class);
        MigrationPolicy current = op.withName(name).get();
        if (current == null) {
            try {
                op.resource(wanted).create();
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
                current = op.withName(name).get();
                if (current == null) {
                    throw e;
                }
            }
        }
        if (!SPEC_JSON.valueToTree(wanted.getSpec()).equals(SPEC_JSON.valueToTree(current.getSpec()))) {
            current.setSpec(wanted.getSpec());
            current.getMetadata().setLabels(wanted.getMetadata().getLabels());
            op.resource(current).update();
        }
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper SPEC_JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    // ---- VMs

    @ApiCall(group = KubeVirtNames.GROUP, resource = "virtualmachines", verbs = "get")
    public Optional<VirtualMachine> vm(String namespace, String name) {
        return Optional.ofNullable(client.resources(VirtualMachine.class).inNamespace(namespace).withName(name).get());
    }

    /** Changes a VM's runStrategy, labels and annotations (null value: remove) in one conflict-checked write. */
    @ApiCall(group = KubeVirtNames.GROUP, resource = "virtualmachines", verbs = {"get", "patch"})
    public void updateVm(String namespace, String name, String runStrategy, Map<String, String> labels,
            Map<String, String> annotations) {
        String what = "change VM " + namespace + "/" + name + " runStrategy=" + runStrategy + " " + labels + " " + annotations;
        if (skipWrite(what)) {
            return;
        }
        var op = client.resources(VirtualMachine.class).inNamespace(namespace);
        patchWithRetry(what, view.cached(VirtualMachine.class, namespace, name), () -> op.withName(name).get(),
                (cur, patch) -> op.resource(cur).patch(JSON_PATCH, patch), vm -> {
            List<Map<String, Object>> ops = metadataOps("labels", vm.getMetadata().getLabels(), labels);
            ops.addAll(annotationOps(vm, annotations));
            if (runStrategy != null) {
                if (vm.getSpec() == null) {
                    ops.add(Map.of("op", "add", "path", "/spec", "value", Map.of()));
                } else if (vm.getSpec().running != null) {
                    ops.add(Map.of("op", "remove", "path", "/spec/running"));
                }
                ops.add(Map.of("op", "add", "path", "/spec/runStrategy", "value", runStrategy));
            }
            return ops;
        });
    }

    /**
     * KubeVirt's {@code start} subresource: how a Manual VM starts, and a RerunOnFailure VM that stopped cleanly.
     *
     * @return false when KubeVirt refused it as unnecessary or not yet possible (409: already running, or this
     *         runStrategy takes no start request; 500 "stop/start already underway": a request is pending)
     */
    @ApiCall(group = "subresources.kubevirt.io", resource = "virtualmachines/start", verbs = "update")
    public boolean startVm(String namespace, String name) {
        if (skipWrite("start VM " + namespace + "/" + name)) {
            return true;
        }
        String url = client.getMasterUrl() + "apis/subresources.kubevirt.io/" + KubeVirtNames.VERSION + "/namespaces/"
                + namespace + "/virtualmachines/" + name + "/start";
        var http = client.getHttpClient();
        io.fabric8.kubernetes.client.http.HttpResponse<String> response;
        try {
            response = http.sendAsync(http.newHttpRequestBuilder().uri(url).put("application/json", "{}").build(),
                    String.class).get(client.getConfiguration().getRequestTimeout(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KubernetesClientException("interrupted starting VM " + namespace + "/" + name, e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new KubernetesClientException("start VM " + namespace + "/" + name + " failed: "
                    + (e.getCause() == null ? e : e.getCause()), e);
        }
        if (response.code() == 409 || (response.code() == 500 && String.valueOf(response.body()).contains("already underway"))) {
            // already running, a runStrategy that takes no start request, or a start/stop request still pending
            LOG.info("start VM {}/{}: KubeVirt answered {} ({})", namespace, name, response.code(), brief(response.body()));
            return false;
        }
        if (response.code() / 100 != 2) {
            throw new KubernetesClientException("start VM " + namespace + "/" + name + ": HTTP " + response.code() + " "
                    + brief(response.body()), response.code(), null);
        }
        return true;
    }

    /**
     * Cancels KubeVirt's own evacuation of a VMI off {@code node} (KubeVirt 1.7+: the {@code evacuate/cancel}
     * subresource clears {@code status.evacuationNodeName}, so its evacuation controller creates no more migrations
     * for it; migrations already there are left alone). True when KubeVirt cleared it (or there was nothing to clear);
     * false when it said no: the VMI is gone or the subresource is not served (404), the node carries KubeVirt's
     * drain taint (400: then the taint, not the mark, drives the evacuation), or the VMI is marked for another node.
     */
    @ApiCall(group = "subresources.kubevirt.io", resource = "virtualmachineinstances/evacuate/cancel", verbs = "update")
    public boolean cancelEvacuation(String namespace, String name, String node) {
        String what = "cancel KubeVirt's evacuation of VMI " + namespace + "/" + name + " off " + node;
        if (skipWrite(what)) {
            return true;
        }
        String url = client.getMasterUrl() + "apis/subresources.kubevirt.io/" + KubeVirtNames.VERSION + "/namespaces/"
                + namespace + "/virtualmachineinstances/" + name + "/evacuate/cancel";
        String body = Serialization.asJson(Map.of("evacuationNodeName", node));
        var http = client.getHttpClient();
        io.fabric8.kubernetes.client.http.HttpResponse<String> response;
        try {
            response = http.sendAsync(http.newHttpRequestBuilder().uri(url).put("application/json", body).build(),
                    String.class).get(client.getConfiguration().getRequestTimeout(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KubernetesClientException("interrupted: " + what, e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new KubernetesClientException(what + " failed: " + (e.getCause() == null ? e : e.getCause()), e);
        }
        if (response.code() / 100 == 2) {
            return true;
        }
        if (response.code() == 404 || response.code() == 400 || response.code() == 500) {
            // 500: KubeVirt's patch tests the node it was given, and the VMI names another one (or none) by now
            LOG.info("{}: KubeVirt answered {} ({})", what, response.code(), brief(response.body()));
            return false;
        }
        throw new KubernetesClientException(what + ": HTTP " + response.code() + " " + brief(response.body()),
                response.code(), null);
    }

    private static String brief(String body) {
        if (body == null) {
            return "";
        }
        String oneLine = body.replaceAll("\\s+", " ").trim();
        return oneLine.length() > 200 ? oneLine.substring(0, 200) + "..." : oneLine;
    }

    // ---- migrations

    /**
     * Creates a migration under the name it carries. Names are deterministic (VMI, drain, attempt), so a create
     * repeated after a lost answer gets 409 AlreadyExists: the existing one is returned and no second one is made.
     */
    @ApiCall(group = KubeVirtNames.GROUP, resource = "virtualmachineinstancemigrations", verbs = {"create", "get"})
    public VirtualMachineInstanceMigration createMigration(VirtualMachineInstanceMigration vmim) {
        String ns = vmim.getMetadata().getNamespace();
        if (skipWrite("create migration " + ns + "/" + vmim.getMetadata().getName() + " for " + vmim.vmiName())) {
            return vmim;
        }
        var op = client.resources(VirtualMachineInstanceMigration.class).inNamespace(ns);
        try {
            VirtualMachineInstanceMigration created = op.resource(vmim).create();
            view.written(created);
            return created;
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
            VirtualMachineInstanceMigration existing = op.withName(vmim.getMetadata().getName()).get();
            if (existing == null) {
                throw e; // created and deleted meanwhile: the next evaluation decides again
            }
            view.written(existing);
            return existing;
        }
    }

    /** The migrations of one VMI, listed fresh from the API server (anyone's, finished ones too). */
    @ApiCall(group = KubeVirtNames.GROUP, resource = "virtualmachineinstancemigrations", verbs = "list")
    public List<VirtualMachineInstanceMigration> migrationsOfVmi(String namespace, String vmi) {
        return client.resources(VirtualMachineInstanceMigration.class).inNamespace(namespace).list().getItems().stream()
                .filter(m -> vmi.equals(m.vmiName())).toList();
    }

    /** Deletes a migration (cancels it when it still runs); true when it existed. */
    @ApiCall(group = KubeVirtNames.GROUP, resource = "virtualmachineinstancemigrations", verbs = "delete")
    public boolean deleteMigration(String namespace, String name) {
        if (skipWrite("delete migration " + namespace + "/" + name)) {
            return false;
        }
        VirtualMachineInstanceMigration gone = new VirtualMachineInstanceMigration();
        gone.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withNamespace(namespace).withName(name).build());
        boolean existed = !client.resources(VirtualMachineInstanceMigration.class).inNamespace(namespace).withName(name)
                .delete().isEmpty();
        view.deleted(gone);
        return existed;
    }

    /**
     * Deletes DrainPilot's migrations of one drain of one node in a namespace, in one request: once the drain is
     * released they are counted and only take room (KubeVirt keeps finished ones).
     */
    @ApiCall(group = KubeVirtNames.GROUP, resource = "virtualmachineinstancemigrations", verbs = "deletecollection")
    public void deleteFinishedMigrations(String namespace, String node, String drainId) {
        if (skipWrite("delete the migrations of drain " + drainId + " of " + node + " in " + namespace)) {
            return;
        }
        List<io.fabric8.kubernetes.api.model.StatusDetails> gone = client.resources(VirtualMachineInstanceMigration.class)
                .inNamespace(namespace).withLabel(io.drainpilot.names.Names.MANAGED_BY, io.drainpilot.names.Names.MANAGED_BY_VALUE)
                .withLabel(io.drainpilot.names.Names.SOURCE_NODE, io.drainpilot.names.Names.labelValue(node))
                .withLabel(io.drainpilot.names.Bookkeeping.MIGRATION_DRAIN, drainId).delete();
        for (io.fabric8.kubernetes.api.model.StatusDetails d : gone) {
            VirtualMachineInstanceMigration m = new VirtualMachineInstanceMigration();
            m.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withNamespace(namespace)
                    .withName(d.getName()).build());
            view.deleted(m);
        }
    }

    // ---- Harvester

    /**
     * One Harvester setting's value ({@code server-version}: the release running), read when an upgrade needs it;
     * empty on clusters without Harvester or when it cannot be read.
     */
    @ApiCall(group = "harvesterhci.io", resource = "settings", verbs = "get")
    public Optional<String> harvesterSetting(String name) {
        try {
            GenericKubernetesResource s = client.genericKubernetesResources(HARVESTER_SETTING).withName(name).get();
            if (s == null) {
                return Optional.empty();
            }
            Object value = s.getAdditionalProperties().get("value");
            Object fallback = s.getAdditionalProperties().get("default");
            Object v = value != null && !String.valueOf(value).isBlank() ? value : fallback;
            return Optional.ofNullable(v).map(String::valueOf).filter(x -> !x.isBlank());
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404 || e.getCode() == 403) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /**
     * Changes a Harvester Upgrade's annotations as a function of their current values (the node-upgrade pause map,
     * DrainPilot's record of what it paused), re-applied on the fresh object when Harvester wrote in between.
     */
    @ApiCall(group = "harvesterhci.io", resource = "upgrades", verbs = {"get", "patch"}, namespace = HARVESTER_NAMESPACE)
    public void updateUpgradeAnnotations(String namespace, String name,
            Function<Map<String, String>, Map<String, String>> change) {
        var op = client.genericKubernetesResources(HARVESTER_UPGRADE).inNamespace(namespace);
        if (dryRun) {
            GenericKubernetesResource u = op.withName(name).get();
            skipWrite("annotate Upgrade " + namespace + "/" + name + " " + (u == null ? "?" : change.apply(annotationsOf(u))));
            return;
        }
        if (!fence.mayWrite()) {
            throw new WriteFence.NotLeaderException("annotate Upgrade " + namespace + "/" + name);
        }
        patchWithRetry("annotate Upgrade " + namespace + "/" + name,
                view.cached(GenericKubernetesResource.class, namespace, name), () -> op.withName(name).get(),
                (cur, patch) -> op.resource(cur).patch(JSON_PATCH, patch), u -> annotationOps(u, change.apply(annotationsOf(u))));
    }

    // ---- Rancher machine-plan secrets (Harvester upgrades)

    @ApiCall(group = "", resource = "secrets", verbs = {"get", "patch"}, namespace = "fleet-local")
    public void annotateSecret(String namespace, String name, Map<String, String> annotations) {
        if (skipWrite("annotate Secret " + namespace + "/" + name + " " + annotations)) {
            return;
        }
        // the answer to the patch, and a fresh copy after a conflict, come as metadata only: the plan is never read
        var op = metadataOnly().secrets().inNamespace(namespace);
        patchWithRetry("annotate Secret " + namespace + "/" + name, view.cached(Secret.class, namespace, name),
                () -> op.withName(name).get(), (cur, patch) -> op.withName(name).patch(JSON_PATCH, patch),
                sec -> annotationOps(sec, annotations));
    }

    // ---- drain reports: ConfigMaps in DrainPilot's own namespace

    /** DrainPilot's own namespace as the RBAC manifests name it (the Role for reports and the Lease lives there). */
    public static final String OWN_NAMESPACE = "drainpilot";

    /**
     * Creates the ConfigMap, or replaces its labels, annotations and data when they differ; true when it was created
     * or changed, false when it already held exactly this (a second write of the same report changes nothing).
     *
     * @param known the ConfigMap as just read ({@link #configMap}), null when there was none: no second read
     */
    @ApiCall(group = "", resource = "configmaps", verbs = {"get", "create", "update"}, namespace = OWN_NAMESPACE)
    public boolean putConfigMap(io.fabric8.kubernetes.api.model.ConfigMap wanted,
            Optional<io.fabric8.kubernetes.api.model.ConfigMap> known) {
        String ns = wanted.getMetadata().getNamespace();
        String name = wanted.getMetadata().getName();
        if (skipWrite("write ConfigMap " + ns + "/" + name)) {
            return false;
        }
        var op = client.configMaps().inNamespace(ns);
        for (int attempt = 1; ; attempt++) {
            if (attempt > 1 && !fence.mayWrite()) {
                throw new WriteFence.NotLeaderException("write ConfigMap " + ns + "/" + name);
            }
            io.fabric8.kubernetes.api.model.ConfigMap current = attempt == 1 && known != null ? known.orElse(null)
                    : op.withName(name).get();
            try {
                if (current == null) {
                    op.resource(wanted).create();
                    return true;
                }
                if (java.util.Objects.equals(current.getData(), wanted.getData())
                        && java.util.Objects.equals(current.getMetadata().getLabels(), wanted.getMetadata().getLabels())) {
                    return false;
                }
                io.fabric8.kubernetes.api.model.ConfigMap replaced = new io.fabric8.kubernetes.api.model.ConfigMapBuilder(wanted)
                        .editMetadata().withResourceVersion(current.getMetadata().getResourceVersion()).endMetadata().build();
                op.resource(replaced).update();
                return true;
            } catch (KubernetesClientException e) {
                // created or changed by another writer in between: look again
                if (e.getCode() != 409 || attempt >= CONFLICT_RETRIES) {
                    throw e;
                }
            }
        }
    }

    @ApiCall(group = "", resource = "configmaps", verbs = "get", namespace = OWN_NAMESPACE)
    public Optional<io.fabric8.kubernetes.api.model.ConfigMap> configMap(String namespace, String name) {
        return Optional.ofNullable(client.configMaps().inNamespace(namespace).withName(name).get());
    }

    /** The ConfigMaps of a namespace whose label has this value. */
    @ApiCall(group = "", resource = "configmaps", verbs = "list", namespace = OWN_NAMESPACE)
    public List<io.fabric8.kubernetes.api.model.ConfigMap> configMapsLabelled(String namespace, String labelKey,
            String value) {
        return client.configMaps().inNamespace(namespace).withLabel(labelKey, value).list().getItems();
    }

    @ApiCall(group = "", resource = "configmaps", verbs = "delete", namespace = OWN_NAMESPACE)
    public void deleteConfigMap(String namespace, String name) {
        if (skipWrite("delete ConfigMap " + namespace + "/" + name)) {
            return;
        }
        client.configMaps().inNamespace(namespace).withName(name).delete();
    }

    // ---- events

    /** Records an Event on an object; returns quietly when Events cannot be written (they are a record, not a duty). */
    @ApiCall(group = "", resource = "events", verbs = "create")
    public void event(HasMetadata about, String type, String reason, String message) {
        if (skipWrite("record Event " + reason + " on " + about.getKind() + " " + about.getMetadata().getName())) {
            return;
        }
        String ns = about.getMetadata().getNamespace() == null ? "default" : about.getMetadata().getNamespace();
        ObjectReference ref = new ObjectReferenceBuilder().withApiVersion(about.getApiVersion())
                .withKind(about.getKind()).withName(about.getMetadata().getName())
                .withNamespace(about.getMetadata().getNamespace()).withUid(about.getMetadata().getUid()).build();
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        client.v1().events().inNamespace(ns).resource(new EventBuilder()
                .withNewMetadata().withNamespace(ns)
                .withName(about.getMetadata().getName() + "." + UUID.randomUUID().toString().substring(0, 8))
                .endMetadata()
                .withInvolvedObject(ref).withType(type).withReason(reason)
                .withMessage(message.length() > 1000 ? message.substring(0, 1000) : message)
                .withNewSource().withComponent("drainpilot").endSource()
                // the classic form (no eventTime): every API server version accepts it without the
                // reportingController/action rules of the newer form
                .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
                .build()).create();
    }

    // ---- helpers

    /** JSON patch ops that set (value) or remove (null) annotations; removing an absent key is a no-op. */
    private static List<Map<String, Object>> annotationOps(HasMetadata obj, Map<String, String> annotations) {
        return metadataOps("annotations", obj.getMetadata().getAnnotations(), annotations);
    }

    /** The same for {@code metadata.<field>} (labels or annotations). */
    private static List<Map<String, Object>> metadataOps(String field, Map<String, String> current,
            Map<String, String> changes) {
        List<Map<String, Object>> ops = new ArrayList<>();
        if (changes.isEmpty()) {
            return ops;
        }
        // fabric8 reads an absent map as an empty one; a JSON patch adding a key under an absent map fails on a
        // real API server, so an empty map is (re)created first (replacing an empty map changes nothing)
        if (current == null || current.isEmpty()) {
            ops.add(Map.of("op", "add", "path", "/metadata/" + field, "value", Map.of()));
            current = Map.of();
        }
        for (Map.Entry<String, String> e : changes.entrySet()) {
            String path = "/metadata/" + field + "/" + e.getKey().replace("~", "~0").replace("/", "~1");
            if (e.getValue() != null) {
                ops.add(Map.of("op", "add", "path", path, "value", e.getValue()));
            } else if (current.containsKey(e.getKey())) {
                ops.add(Map.of("op", "remove", "path", path));
            }
        }
        return ops;
    }

    /**
     * Computes the change on {@code cached} (or a fresh read when there is none) and sends it guarded by a test of
     * that resourceVersion: when another writer came first (or the cache was behind) the test fails (409/422) and we
     * read again. The fence is asked again before every resend.
     */
    private <T extends HasMetadata> void patchWithRetry(String what, T cached, Supplier<T> read,
            java.util.function.BiFunction<T, String, T> write, Function<T, List<Map<String, Object>>> change) {
        T current = cached;
        for (int attempt = 1; ; attempt++) {
            if (current == null) {
                current = read.get();
            }
            if (current == null) {
                throw new KubernetesClientException("object to patch no longer exists", 404, null);
            }
            List<Map<String, Object>> ops = new ArrayList<>();
            ops.add(Map.of("op", "test", "path", "/metadata/resourceVersion",
                    "value", current.getMetadata().getResourceVersion()));
            List<Map<String, Object>> changes = change.apply(current);
            if (changes.isEmpty()) {
                return;
            }
            ops.addAll(changes);
            if (attempt > 1 && !fence.mayWrite()) {
                throw new WriteFence.NotLeaderException(what);
            }
            try {
                // the object is given, so fabric8 sends the patch without reading it first
                T written = write.apply(current, Serialization.asJson(ops));
                if (written != null) {
                    view.written(written);
                }
                return;
            } catch (KubernetesClientException e) {
                boolean lostRace = e.getCode() == 409 || e.getCode() == 422;
                if (!lostRace || attempt >= CONFLICT_RETRIES) {
                    throw e;
                }
                current = null; // read it again
            }
        }
    }
}
