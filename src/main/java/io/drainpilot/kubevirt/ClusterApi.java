package io.drainpilot.kubevirt;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;

import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.time.Instant;
import java.util.ArrayList;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Every Kubernetes call DrainPilot makes, in one place: what it reads, what it writes, and the permission
 * each needs ({@link ApiCall}). Writes are JSON patches that first test the resourceVersion they were computed from, retried when
 * someone else wrote in between, so two writers never silently overwrite each other.
 */
public class ClusterApi {
    private static final int CONFLICT_RETRIES = 5;
    private static final ResourceDefinitionContext HARVESTER_UPGRADE = new ResourceDefinitionContext.Builder()
            .withGroup("harvesterhci.io").withVersion("v1beta1").withKind("Upgrade").withPlural("upgrades")
            .withNamespaced(true).build();

    private static final PatchContext JSON_PATCH = PatchContext.of(PatchType.JSON);

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ClusterApi.class);

    private final KubernetesClient client;
    private final boolean dryRun;

    /** @param dryRun true: every write is logged as "would ..." and not sent; reads go to the cluster as usual */
    public ClusterApi(KubernetesClient client, boolean dryRun) {
        this.client = client;
        this.dryRun = dryRun;
    }

    public ClusterApi(KubernetesClient client) {
        this(client, false);
    }

    public boolean dryRun() {
        return dryRun;
    }

    private boolean skipWrite(String what) {
        if (dryRun) {
            LOG.info("dry run: would {}", what);
        }
        return dryRun;
    }

    // ---- nodes

    @ApiCall(group = "", resource = "nodes", verbs = "list")
    public List<Node> nodes() {
        return client.nodes().list().getItems();
    }

    /**
     * Readiness: lists at most one node and waits at most {@code timeout}; throws when the API server does not
     * answer in time or refuses (the same permission the scan uses, so it also proves the credentials work).
     */
    @ApiCall(group = "", resource = "nodes", verbs = "list")
    public void probe(java.time.Duration timeout) throws Exception {
        java.util.concurrent.CompletableFuture
                .supplyAsync(() -> client.nodes().list(new io.fabric8.kubernetes.api.model.ListOptionsBuilder()
                        .withLimit(1L).build()))
                .get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    @ApiCall(group = "", resource = "nodes", verbs = "get")
    public Optional<Node> node(String name) {
        return Optional.ofNullable(client.nodes().withName(name).get());
    }

    /** Sets (value) or removes (null) annotations on a node. */
    @ApiCall(group = "", resource = "nodes", verbs = {"get", "patch"})
    public void annotateNode(String name, Map<String, String> annotations) {
        if (skipWrite("annotate node " + name + " " + annotations)) {
            return;
        }
        patchWithRetry(() -> client.nodes().withName(name).get(),
                (n, patch) -> client.nodes().withName(name).patch(JSON_PATCH, patch), n -> annotationOps(n, annotations));
    }

    /**
     * Changes a node's annotations as a function of their current values, re-applied on the fresh object
     * when another writer came first: counters kept in annotations never lose an update.
     */
    @ApiCall(group = "", resource = "nodes", verbs = {"get", "patch"})
    public void updateNodeAnnotations(String name, Function<Map<String, String>, Map<String, String>> change) {
        if (dryRun) {
            Node n = client.nodes().withName(name).get();
            skipWrite("annotate node " + name + " " + (n == null ? "?" : change.apply(annotationsOf(n))));
            return;
        }
        patchWithRetry(() -> client.nodes().withName(name).get(),
                (n, patch) -> client.nodes().withName(name).patch(JSON_PATCH, patch),
                n -> annotationOps(n, change.apply(annotationsOf(n))));
    }

    private static Map<String, String> annotationsOf(HasMetadata o) {
        return o.getMetadata().getAnnotations() == null ? Map.of() : Map.copyOf(o.getMetadata().getAnnotations());
    }

    // ---- VMIs

    @ApiCall(group = KubeVirtNames.GROUP, resource = "virtualmachineinstances", verbs = "list")
    public List<VirtualMachineInstance> vmisOnNode(String node) {
        return client.resources(VirtualMachineInstance.class).inAnyNamespace()
                .withLabel(KubeVirtNames.LABEL_NODE_NAME, node).list().getItems();
    }

    @ApiCall(group = KubeVirtNames.GROUP, resource = "virtualmachineinstances", verbs = "list")
    public List<VirtualMachineInstance> vmisOnNode(String node, String extraSelector) {
        if (extraSelector == null || extraSelector.isBlank()) {
            return vmisOnNode(node);
        }
        return client.resources(VirtualMachineInstance.class).inAnyNamespace()
                .withLabelSelector(KubeVirtNames.LABEL_NODE_NAME + "=" + node + "," + extraSelector)
                .list().getItems();
    }

    @ApiCall(group = KubeVirtNames.GROUP, resource = "virtualmachineinstances", verbs = "get")
    public Optional<VirtualMachineInstance> vmi(String namespace, String name) {
        return Optional.ofNullable(client.resources(VirtualMachineInstance.class).inNamespace(namespace)
                .withName(name).get());
    }

    @ApiCall(group = KubeVirtNames.GROUP, resource = "virtualmachineinstances", verbs = {"get", "patch"})
    public void annotateVmi(String namespace, String name, Map<String, String> annotations) {
        if (skipWrite("annotate VMI " + namespace + "/" + name + " " + annotations)) {
            return;
        }
        var op = client.resources(VirtualMachineInstance.class).inNamespace(namespace);
        patchWithRetry(() -> op.withName(name).get(), (v, patch) -> op.withName(name).patch(JSON_PATCH, patch),
                v -> annotationOps(v, annotations));
    }

    // ---- VMs

    @ApiCall(group = KubeVirtNames.GROUP, resource = "virtualmachines", verbs = "get")
    public Optional<VirtualMachine> vm(String namespace, String name) {
        return Optional.ofNullable(client.resources(VirtualMachine.class).inNamespace(namespace).withName(name).get());
    }

    /** VMs carrying a label, selected by the API server (never a list of every VM). */
    @ApiCall(group = KubeVirtNames.GROUP, resource = "virtualmachines", verbs = "list")
    public List<VirtualMachine> vmsLabelled(String key, String value) {
        return client.resources(VirtualMachine.class).inAnyNamespace().withLabel(key, value).list().getItems();
    }

    /** Changes a VM's runStrategy, labels and annotations (null value: remove) in one conflict-checked write. */
    @ApiCall(group = KubeVirtNames.GROUP, resource = "virtualmachines", verbs = {"get", "patch"})
    public void updateVm(String namespace, String name, String runStrategy, Map<String, String> labels,
            Map<String, String> annotations) {
        if (skipWrite("change VM " + namespace + "/" + name + " runStrategy=" + runStrategy + " " + labels + " " + annotations)) {
            return;
        }
        var op = client.resources(VirtualMachine.class).inNamespace(namespace);
        patchWithRetry(() -> op.withName(name).get(), (v, patch) -> op.withName(name).patch(JSON_PATCH, patch), vm -> {
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

    // ---- migrations

    @ApiCall(group = KubeVirtNames.GROUP, resource = "virtualmachineinstancemigrations", verbs = "list")
    public List<VirtualMachineInstanceMigration> migrations(String namespace) {
        var op = client.resources(VirtualMachineInstanceMigration.class);
        return (namespace == null ? op.inAnyNamespace().list() : op.inNamespace(namespace).list()).getItems();
    }

    @ApiCall(group = KubeVirtNames.GROUP, resource = "virtualmachineinstancemigrations", verbs = "list")
    public List<VirtualMachineInstanceMigration> migrationsLabelled(String key, String value) {
        return client.resources(VirtualMachineInstanceMigration.class).inAnyNamespace()
                .withLabel(key, value).list().getItems();
    }

    @ApiCall(group = KubeVirtNames.GROUP, resource = "virtualmachineinstancemigrations", verbs = "get")
    public Optional<VirtualMachineInstanceMigration> migration(String namespace, String name) {
        return Optional.ofNullable(client.resources(VirtualMachineInstanceMigration.class).inNamespace(namespace)
                .withName(name).get());
    }

    @ApiCall(group = KubeVirtNames.GROUP, resource = "virtualmachineinstancemigrations", verbs = "create")
    public VirtualMachineInstanceMigration createMigration(VirtualMachineInstanceMigration vmim) {
        if (skipWrite("create migration for " + vmim.getMetadata().getNamespace() + "/" + vmim.vmiName())) {
            vmim.getMetadata().setName(vmim.getMetadata().getGenerateName() + "dry-run");
            return vmim;
        }
        return client.resources(VirtualMachineInstanceMigration.class)
                .inNamespace(vmim.getMetadata().getNamespace()).resource(vmim).create();
    }

    @ApiCall(group = KubeVirtNames.GROUP, resource = "virtualmachineinstancemigrations", verbs = {"get", "patch"})
    public void annotateMigration(String namespace, String name, Map<String, String> annotations) {
        if (skipWrite("annotate migration " + namespace + "/" + name + " " + annotations)) {
            return;
        }
        var op = client.resources(VirtualMachineInstanceMigration.class).inNamespace(namespace);
        patchWithRetry(() -> op.withName(name).get(), (v, patch) -> op.withName(name).patch(JSON_PATCH, patch),
                v -> annotationOps(v, annotations));
    }

    /** Cancels a migration; true when it existed. */
    @ApiCall(group = KubeVirtNames.GROUP, resource = "virtualmachineinstancemigrations", verbs = "delete")
    public boolean deleteMigration(String namespace, String name) {
        if (skipWrite("delete migration " + namespace + "/" + name)) {
            return false;
        }
        return !client.resources(VirtualMachineInstanceMigration.class).inNamespace(namespace).withName(name)
                .delete().isEmpty();
    }

    // ---- KubeVirt installation and Harvester upgrade

    /** The KubeVirt installation's CR; empty when it cannot be read (then KubeVirt's defaults are assumed). */
    @ApiCall(group = KubeVirtNames.GROUP, resource = "kubevirts", verbs = "list")
    public Optional<KubeVirt> kubeVirt() {
        try {
            return client.resources(KubeVirt.class).inAnyNamespace().list().getItems().stream().findFirst();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404 || e.getCode() == 403) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** The running Harvester upgrades; empty on clusters without Harvester (the CRD is absent). */
    @ApiCall(group = "harvesterhci.io", resource = "upgrades", verbs = "list")
    public List<GenericKubernetesResource> harvesterUpgrades() {
        try {
            return client.genericKubernetesResources(HARVESTER_UPGRADE).inAnyNamespace().list().getItems();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return List.of();
            }
            throw e;
        }
    }

    // ---- Rancher machine-plan secrets (Harvester upgrades)

    @ApiCall(group = "", resource = "secrets", verbs = "list", namespace = "fleet-local")
    public List<Secret> planSecrets(String namespace, String type) {
        // filtered here: the type field selector is not served everywhere, and the namespace holds few Secrets
        return client.secrets().inNamespace(namespace).list().getItems().stream()
                .filter(s -> type.equals(s.getType())).toList();
    }

    @ApiCall(group = "", resource = "secrets", verbs = {"get", "patch"}, namespace = "fleet-local")
    public void annotateSecret(String namespace, String name, Map<String, String> annotations) {
        if (skipWrite("annotate Secret " + namespace + "/" + name + " " + annotations)) {
            return;
        }
        var op = client.secrets().inNamespace(namespace);
        patchWithRetry(() -> op.withName(name).get(), (sec, patch) -> op.withName(name).patch(JSON_PATCH, patch),
                sec -> annotationOps(sec, annotations));
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
     * Reads the object, computes the change, and sends it guarded by a test of the resourceVersion read:
     * when another writer came first the test fails (409/422) and we read again.
     */
    private <T extends HasMetadata> void patchWithRetry(Supplier<T> read, BiConsumer<T, String> write,
            Function<T, List<Map<String, Object>>> change) {
        for (int attempt = 1; ; attempt++) {
            T current = read.get();
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
            try {
                write.accept(current, Serialization.asJson(ops));
                return;
            } catch (KubernetesClientException e) {
                boolean lostRace = e.getCode() == 409 || e.getCode() == 422;
                if (!lostRace || attempt >= CONFLICT_RETRIES) {
                    throw e;
                }
            }
        }
    }
}
