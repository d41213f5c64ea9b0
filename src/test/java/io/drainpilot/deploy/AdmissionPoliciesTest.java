package io.drainpilot.deploy;

import io.drainpilot.flow.Harness;
import io.drainpilot.kubevirt.VirtualMachine;
import io.drainpilot.names.Names;
import io.drainpilot.sim.AdmissionControl;
import io.drainpilot.sim.Scenario;
import io.drainpilot.sim.Scenarios;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The admission policies (docker/kubernetes/admission-policies.yaml and the Helm chart's rendering of them) allow
 * exactly what DrainPilot's code writes. Full drains run against the simulated cluster with the policies in front
 * of its store, DrainPilot's client standing for the service account: every write the code sends is reviewed, and
 * one refusal fails the test (and the drain). Then the same recorded writes, changed by one field, must be refused.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdmissionPoliciesTest {
    static final String SERVICE_ACCOUNT_USER = "system:serviceaccount:drainpilot:drainpilot";
    /** The User-Agent of DrainPilot's client in these runs: the simulated API server's stand-in for its user. */
    static final String DRAINPILOT_AGENT = "drainpilot-under-admission";
    private static final String DRAIN_OPTIONS = "{\"enabled\":true,\"deleteEmptyDirData\":true}";

    /** Every write of the two runs, as admission saw it (the kustomize policies in front). */
    private final List<AdmissionControl.Reviewed> recorded = new ArrayList<>();

    static Stream<ManifestSource> sources() {
        return Stream.of(ManifestSource.KUSTOMIZE, ManifestSource.HELM);
    }

    static List<String> review(AdmissionPolicies policies, AdmissionControl.Write w) {
        return review(policies, w, DRAINPILOT_AGENT.equals(w.userAgent()) ? SERVICE_ACCOUNT_USER : "kubernetes-admin");
    }

    static List<String> review(AdmissionPolicies policies, AdmissionControl.Write w, String user) {
        AdmissionPolicies.Request r = new AdmissionPolicies.Request(w.operation(), w.group(), w.version(), w.resource(),
                w.namespace(), w.name(), user, w.object(), w.oldObject());
        Map<String, String> nsLabels = w.namespace() == null ? null : Map.of("kubernetes.io/metadata.name", w.namespace());
        return policies.review(r, nsLabels).denials();
    }

    @BeforeAll
    void runDrainsWithThePoliciesInFront() {
        AdmissionPolicies policies = new AdmissionPolicies(Manifests.all());
        // a Harvester upgrade through the Rancher hook: migrations (one fails and is retried), a VM stopped and
        // started again (shutdown-restart), one released, the hook released on the plan Secret
        try (Harness h = new Harness(Scenarios.harvesterDemo())) {
            AdmissionControl admission = AdmissionControl.install(h.cluster, w -> review(policies, w));
            start(h);
            h.rancherPreDrain("node-1", DRAIN_OPTIONS);
            await().atMost(Harness.PATIENCE).until(() -> DRAIN_OPTIONS.equals(h.preHook("node-1")));
            h.rancherFinish("node-1");
            await().atMost(Harness.PATIENCE).until(() -> {
                VirtualMachine vm = h.vm("default", "legacy-local-disk");
                return !VirtualMachine.HALTED.equals(vm.runStrategy()) && vm.getMetadata().getLabels() != null
                        && !vm.getMetadata().getLabels().containsKey("drainpilot.io/stopped");
            });
            recorded.addAll(admission.reviewed());
        }
        // a cancel: DrainPilot deletes its own in-flight migrations
        try (Harness h = new Harness(Scenarios.heterogeneous())) {
            AdmissionControl admission = AdmissionControl.install(h.cluster, w -> review(policies, w));
            h.cluster.simulator().stallMigrationsOf("default", "passthrough-vm");
            h.cluster.simulator().stallMigrationsOf("default", "host-model-vm");
            start(h);
            h.requestDrain("node-1");
            await().atMost(Harness.PATIENCE).until(() -> h.migrations().size() == 2);
            h.annotateNode("node-1", Names.CANCEL, "true");
            h.awaitEvacuation("node-1", Names.CANCELLED);
            await().atMost(Harness.PATIENCE).until(() -> h.migrations().isEmpty());
            recorded.addAll(admission.reviewed());
        }
    }

    private static void start(Harness h) {
        h.startDrainPilot(Map.of(), DRAINPILOT_AGENT);
    }

    private List<AdmissionControl.Reviewed> drainPilotWrites() {
        return recorded.stream().filter(r -> DRAINPILOT_AGENT.equals(r.write().userAgent())).toList();
    }

    @Test
    void everyWriteTheCodeSentInTheDrainsWasAllowed() {
        assertThat(drainPilotWrites()).allSatisfy(r -> assertThat(r.denials()).as("%s %s/%s: %s", r.write().kind(),
                r.write().namespace(), r.write().name(), r.write().body()).isEmpty());
        Set<String> kinds = new TreeSet<>();
        drainPilotWrites().forEach(r -> kinds.add(r.write().kind()));
        // each kind of write the policies govern was seen at least once, so each policy was tried on real writes
        assertThat(kinds).contains("core/secrets UPDATE", "core/nodes UPDATE",
                "kubevirt.io/virtualmachineinstances UPDATE", "kubevirt.io/virtualmachines UPDATE",
                "kubevirt.io/virtualmachineinstancemigrations CREATE",
                "kubevirt.io/virtualmachineinstancemigrations DELETE", "core/events CREATE",
                "harvesterhci.io/upgrades UPDATE");
    }

    @ParameterizedTest
    @MethodSource("sources")
    void thePoliciesAllowEveryRecordedWriteAndApplyToDrainPilotOnly(ManifestSource source) {
        AdmissionPolicies policies = new AdmissionPolicies(source.docs());
        assertThat(policies.names()).containsExactlyInAnyOrder("drainpilot-plan-secrets", "drainpilot-nodes",
                "drainpilot-vmis", "drainpilot-vms", "drainpilot-migrations", "drainpilot-harvester-upgrades");
        for (AdmissionControl.Reviewed r : drainPilotWrites()) {
            assertThat(review(policies, r.write())).as("%s %s", r.write().kind(), r.write().body()).isEmpty();
        }
        // the same writes by anyone else are not DrainPilot's business: Rancher's own Secret edit in the run passes
        AdmissionControl.Write rancher = recorded.stream().map(AdmissionControl.Reviewed::write)
                .filter(w -> !DRAINPILOT_AGENT.equals(w.userAgent()) && w.kind().equals("core/secrets UPDATE"))
                .findFirst().orElseThrow();
        assertThat(review(policies, rancher, "system:serviceaccount:cattle-system:rancher")).isEmpty();
        AdmissionControl.Write secret = write("core/secrets UPDATE");
        assertThat(review(policies, edited(secret, o -> data(o).put("plan", "cm9vdA==")), "kubernetes-admin"))
                .isEmpty();
    }

    // ---- refused: a recorded write of the code, changed by one field

    @ParameterizedTest
    @MethodSource("sources")
    void planSecretsOnlyThePreHookAnnotation(ManifestSource source) {
        AdmissionPolicies policies = new AdmissionPolicies(source.docs());
        AdmissionControl.Write secret = write("core/secrets UPDATE");
        assertRefused(policies, edited(secret, o -> data(o).put("plan", "cm0gLXJmIC8=")), "data");
        assertRefused(policies, edited(secret, o -> annotations(o).put("rke.cattle.io/pre-drain", "{}")),
                "only the drainpilot.io/pre-hook annotation");
        assertRefused(policies, edited(secret, o -> annotations(o).put("drainpilot.io/other", "x")),
                "only the drainpilot.io/pre-hook annotation");
        assertRefused(policies, edited(secret, o -> labels(o).put("rke.cattle.io/machine-name", "elsewhere")), "labels");
        assertRefused(policies, edited(secret, o -> o.put("type", "Opaque")), "type");
        assertAllowed(policies, edited(secret, o -> annotations(o).put(Names.PRE_HOOK, "another value")));
        // the same change outside fleet-local is not this policy's (RBAC grants nothing there)
        AdmissionControl.Write elsewhere = new AdmissionControl.Write(secret.userAgent(), secret.operation(),
                secret.group(), secret.version(), secret.resource(), "default", secret.name(),
                edited(secret, o -> data(o).put("plan", "eA==")).object(), secret.oldObject(), "");
        assertThat(review(policies, elsewhere)).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("sources")
    void nodesOnlyDrainPilotKeysAndUnschedulable(ManifestSource source) {
        AdmissionPolicies policies = new AdmissionPolicies(source.docs());
        AdmissionControl.Write node = write("core/nodes UPDATE");
        assertAllowed(policies, edited(node, o -> spec(o).put("unschedulable", true)));
        assertAllowed(policies, edited(node, o -> labels(o).put("drainpilot.io/state", "x")));
        assertRefused(policies, edited(node, o -> annotations(o).put("harvesterhci.io/drain-requested", "true")),
                "only drainpilot.io/ labels and annotations");
        assertRefused(policies, edited(node, o -> labels(o).put("node-role.kubernetes.io/worker", "true")),
                "only drainpilot.io/ labels and annotations");
        assertRefused(policies, edited(node, o -> spec(o).put("taints",
                List.of(Map.of("key", "kubevirt.io/drain", "effect", "NoSchedule")))), "only spec.unschedulable");
        assertRefused(policies, edited(node, o -> spec(o).put("providerID", "x://y")), "only spec.unschedulable");
    }

    @ParameterizedTest
    @MethodSource("sources")
    void vmisOnlyDrainPilotKeys(ManifestSource source) {
        AdmissionPolicies policies = new AdmissionPolicies(source.docs());
        AdmissionControl.Write vmi = write("kubevirt.io/virtualmachineinstances UPDATE");
        assertAllowed(policies, edited(vmi, o -> annotations(o).put(Names.ATTEMPTS, "7")));
        assertRefused(policies, edited(vmi, o -> annotations(o).put("kubevirt.io/latest-observed-api-version", "v2")),
                "only drainpilot.io/ labels and annotations");
        assertRefused(policies, edited(vmi, o -> spec(o).put("nodeSelector", Map.of("kubernetes.io/hostname", "x"))),
                "spec");
        assertRefused(policies, edited(vmi, o -> o.put("status", Map.of("nodeName", "node-9"))), "status");
    }

    @ParameterizedTest
    @MethodSource("sources")
    void vmsOnlyDrainPilotKeysAndRunStrategy(ManifestSource source) {
        AdmissionPolicies policies = new AdmissionPolicies(source.docs());
        AdmissionControl.Write vm = write("kubevirt.io/virtualmachines UPDATE");
        assertAllowed(policies, edited(vm, o -> spec(o).put("runStrategy", "Halted")));
        assertAllowed(policies, edited(vm, o -> labels(o).put(Names.FALLBACK, "release")));
        assertRefused(policies, edited(vm, o -> spec(o).put("running", true)), "never set it");
        assertRefused(policies, edited(vm, o -> spec(o).put("template", Map.of("spec", Map.of()))),
                "only spec.runStrategy");
        assertRefused(policies, edited(vm, o -> spec(o).put("instancetype", Map.of("name", "u1.large"))),
                "only spec.runStrategy");
        assertRefused(policies, edited(vm, o -> annotations(o).put("kubevirt.io/storage-observed-api-version", "v2")),
                "only drainpilot.io/ labels and annotations");
        assertRefused(policies, edited(vm, o -> metadata(o).put("finalizers", List.of("x"))), "finalizers");
    }

    @ParameterizedTest
    @MethodSource("sources")
    void migrationsOnlyItsOwn(ManifestSource source) {
        AdmissionPolicies policies = new AdmissionPolicies(source.docs());
        // DrainPilot never changes a migration (RBAC grants no patch): it creates its own and deletes its own
        AdmissionControl.Write create = write("kubevirt.io/virtualmachineinstancemigrations CREATE");
        AdmissionControl.Write delete = write("kubevirt.io/virtualmachineinstancemigrations DELETE");
        assertRefused(policies, edited(create, o -> labels(o).remove(Names.MANAGED_BY)), "managed-by=drainpilot");
        // deleting (cancelling) a migration KubeVirt or a person started is refused
        Map<String, Object> theirs = copy(delete.oldObject());
        labels(theirs).remove(Names.MANAGED_BY);
        assertRefused(policies, new AdmissionControl.Write(delete.userAgent(), "DELETE", delete.group(),
                delete.version(), delete.resource(), delete.namespace(), delete.name(), null, theirs, ""),
                "managed-by=drainpilot");
    }

    @ParameterizedTest
    @MethodSource("sources")
    void harvesterUpgradesOnlyThePauseMapAndDrainPilotAnnotations(ManifestSource source) {
        AdmissionPolicies policies = new AdmissionPolicies(source.docs());
        Map<String, Object> upgrade = new LinkedHashMap<>();
        upgrade.put("apiVersion", "harvesterhci.io/v1beta1");
        upgrade.put("kind", "Upgrade");
        upgrade.put("metadata", new LinkedHashMap<>(Map.of("name", Scenarios.UPGRADE, "namespace",
                Scenario.HARVESTER_NAMESPACE, "labels", Map.of("harvesterhci.io/latestUpgrade", "true"))));
        upgrade.put("spec", Map.of("version", "v1.5.0"));
        upgrade.put("status", Map.of("nodeStatuses", Map.of("node-1", Map.of("state", "Succeeded"))));
        AdmissionControl.Write base = new AdmissionControl.Write(DRAINPILOT_AGENT, "UPDATE", "harvesterhci.io",
                "v1beta1", "upgrades", Scenario.HARVESTER_NAMESPACE, Scenarios.UPGRADE, copy(upgrade), upgrade, "");
        assertAllowed(policies, edited(base, o -> annotations(o).put("harvesterhci.io/node-upgrade-pause-map",
                "{\"node-2\":\"pause\"}")));
        assertAllowed(policies, edited(base, o -> annotations(o).put("drainpilot.io/seen", "x")));
        assertRefused(policies, edited(base, o -> annotations(o).put("harvesterhci.io/skip-version-check", "true")),
                "only the harvesterhci.io/node-upgrade-pause-map");
        assertRefused(policies, edited(base, o -> o.put("spec", Map.of("version", "v9"))), "spec");
        assertRefused(policies, edited(base, o -> o.put("status", Map.of())), "status");
    }

    private static void assertRefused(AdmissionPolicies policies, AdmissionControl.Write w, String why) {
        assertThat(review(policies, w)).as("%s must be refused", w.kind()).isNotEmpty()
                .anyMatch(d -> d.contains(why));
    }

    private static void assertAllowed(AdmissionPolicies policies, AdmissionControl.Write w) {
        assertThat(review(policies, w)).as("%s must be allowed", w.kind()).isEmpty();
    }

    // ---- recorded writes and their edited copies

    private AdmissionControl.Write write(String kind) {
        return drainPilotWrites().stream().map(AdmissionControl.Reviewed::write).filter(w -> w.kind().equals(kind))
                .findFirst().orElseThrow(() -> new AssertionError("no " + kind + " recorded"));
    }

    /** The write with its new object changed (the object for CREATE and UPDATE). */
    private static AdmissionControl.Write edited(AdmissionControl.Write w, Consumer<Map<String, Object>> change) {
        Map<String, Object> object = copy(w.object());
        change.accept(object);
        return new AdmissionControl.Write(w.userAgent(), w.operation(), w.group(), w.version(), w.resource(),
                w.namespace(), w.name(), object, w.oldObject(), "");
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> copy(Map<String, Object> o) {
        return Serialization.jsonMapper().convertValue(Serialization.jsonMapper().valueToTree(o), HashMap.class);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> child(Map<String, Object> o, String key) {
        return (Map<String, Object>) o.computeIfAbsent(key, k -> new HashMap<String, Object>());
    }

    private static Map<String, Object> metadata(Map<String, Object> o) {
        return child(o, "metadata");
    }

    private static Map<String, Object> annotations(Map<String, Object> o) {
        return child(metadata(o), "annotations");
    }

    private static Map<String, Object> labels(Map<String, Object> o) {
        return child(metadata(o), "labels");
    }

    private static Map<String, Object> spec(Map<String, Object> o) {
        return child(o, "spec");
    }

    private static Map<String, Object> data(Map<String, Object> o) {
        return child(o, "data");
    }

    /** Where the manifests come from: the kustomize base, or the Helm chart rendered with its defaults. */
    enum ManifestSource {
        KUSTOMIZE, HELM;

        List<Map<String, Object>> docs() {
            return this == KUSTOMIZE ? Manifests.all() : HelmChart.rendered();
        }
    }
}
