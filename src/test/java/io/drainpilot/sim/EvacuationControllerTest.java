package io.drainpilot.sim;

import io.drainpilot.kubevirt.KubeVirtNames;
import io.drainpilot.kubevirt.MigrationPhase;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.kubevirt.VirtualMachineInstanceMigration;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static io.drainpilot.sim.SimTestSupport.WAIT;
import static io.drainpilot.sim.SimTestSupport.vmi;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** KubeVirt's evacuation controller: the drain taint and eviction marks make migrations, never a second one. */
class EvacuationControllerTest extends ClusterPerTest {
    private static final List<String> VMS = List.of("a", "b", "c", "d");

    @Override
    protected Scenario scenario() {
        Scenario.Builder b = Scenario.builder().kubeVirtEvacuation(true)
                .node(Scenario.node("node-1", CpuProfile.SKYLAKE).memory("32Gi"))
                .node(Scenario.node("node-2", CpuProfile.SKYLAKE).memory("32Gi"))
                .node(Scenario.node("node-3", CpuProfile.SKYLAKE).memory("32Gi"));
        VMS.forEach(vm -> b.vm(Scenario.vm("default", vm).on("node-1").hostModel().memory("1Gi")));
        b.vm(Scenario.vm("default", "no-eviction").on("node-1").evictionStrategy("None").memory("1Gi"));
        b.vm(Scenario.vm("default", "local-disk").on("node-1").notLiveMigratable("DisksNotLiveMigratable")
                .evictionStrategy("LiveMigrateIfPossible").memory("1Gi"));
        return b.build();
    }

    @Test
    void drainTaintMovesEveryMigratableVmiWithinTheOutboundLimit() {
        taintNode1();
        await().atMost(WAIT).until(() -> VMS.stream().noneMatch(vm -> "node-1".equals(nodeOf(vm))));

        List<VirtualMachineInstanceMigration> all = migrations();
        assertThat(all).hasSize(VMS.size()).allSatisfy(m -> {
            assertThat(m.getMetadata().getName()).startsWith(HarvesterNames.EVACUATION_MIGRATION_PREFIX);
            assertThat(m.getMetadata().getAnnotations())
                    .containsEntry(KubeVirtNames.ANNOTATION_EVACUATION_MIGRATION, "node-1");
        });
        assertThat(all).extracting(VirtualMachineInstanceMigration::vmiName).containsExactlyInAnyOrderElementsOf(VMS);
        assertThat(cluster.record().maxOutboundPerNode().get("node-1")).isEqualTo(2);
        assertThat(cluster.record().refusals()).isEmpty();
        // KubeVirt leaves these where they are: no eviction wanted, or not migratable
        assertThat(nodeOf("no-eviction")).isEqualTo("node-1");
        assertThat(nodeOf("local-disk")).isEqualTo("node-1");
    }

    @Test
    void aMigrationSomeoneElseStartedIsNeverDoubled() {
        cluster.simulator().stallMigrationsOf("default", "a");
        SimTestSupport.migrate(client, "default", "someone-elses", "a");
        SimTestSupport.awaitPhase(client, "default", "someone-elses", MigrationPhase.RUNNING);

        taintNode1();
        await().atMost(WAIT).until(() -> VMS.stream().filter(vm -> !vm.equals("a"))
                .noneMatch(vm -> "node-1".equals(nodeOf(vm))));
        // several more passes of the controller while "a" is still migrating
        await().during(Duration.ofMillis(300)).atMost(WAIT).until(() -> evacuationsOf("a").isEmpty());

        cluster.simulator().clearFaultsOf("default", "a");
        await().atMost(WAIT).until(() -> !"node-1".equals(nodeOf("a")));
        assertThat(evacuationsOf("a")).isEmpty();
        assertThat(cluster.record().refusals()).as("the controller never even tried a second one").isEmpty();
    }

    @Test
    void failedEvacuationsAreRetriedAfterABackoffThatDoubles() {
        cluster.simulator().failAllMigrationsOf("default", "a", "injected failure");
        taintNode1();
        await().atMost(WAIT).until(() -> finalPhases("a", MigrationPhase.FAILED).size() >= 3);
        cluster.simulator().clearFaultsOf("default", "a");
        await().atMost(WAIT).until(() -> !"node-1".equals(nodeOf("a")));

        List<String> order = evacuationsOf("a");
        Map<String, Instant> failed = finalPhases("a", MigrationPhase.FAILED);
        Map<String, Instant> scheduling = finalPhases("a", MigrationPhase.SCHEDULING);
        // SimSettings.forTests() scales 20 s to 200 ms and 40 s to 400 ms
        assertThat(Duration.between(failed.get(order.get(0)), scheduling.get(order.get(1))))
                .isGreaterThanOrEqualTo(Duration.ofMillis(200));
        assertThat(Duration.between(failed.get(order.get(1)), scheduling.get(order.get(2))))
                .isGreaterThanOrEqualTo(Duration.ofMillis(400));
        assertThat(cluster.record().refusals()).isEmpty();
    }

    @Test
    void anEvictionMarkMovesOnlyThatVmi() {
        new ClusterWriter(client).updateVmi("default", "b", v -> v.getStatus().evacuationNodeName = "node-1");
        await().atMost(WAIT).until(() -> !"node-1".equals(nodeOf("b")));
        assertThat(migrations()).extracting(VirtualMachineInstanceMigration::vmiName).containsExactly("b");
        assertThat(VMS.stream().filter(vm -> !vm.equals("b")).map(this::nodeOf)).containsOnly("node-1");
    }

    private void taintNode1() {
        client.nodes().withName("node-1").edit(n -> {
            n.getSpec().setUnschedulable(true);
            List<io.fabric8.kubernetes.api.model.Taint> taints = new ArrayList<>(n.getSpec().getTaints());
            taints.add(new TaintBuilder().withKey(KubeVirtNames.TAINT_DRAIN).withValue("draining")
                    .withEffect("NoSchedule").build());
            n.getSpec().setTaints(taints);
            return n;
        });
    }

    private String nodeOf(String vm) {
        VirtualMachineInstance vmi = vmi(client, "default", vm);
        return vmi == null ? null : vmi.nodeName().orElse(null);
    }

    private List<VirtualMachineInstanceMigration> migrations() {
        return client.resources(VirtualMachineInstanceMigration.class).inNamespace("default").list().getItems();
    }

    /** The evacuation migrations of a VMI, in the order they were created. */
    private List<String> evacuationsOf(String vm) {
        return cluster.record().migrationsCreated().stream()
                .filter(m -> m.vmiName().equals(vm) && m.name().startsWith(HarvesterNames.EVACUATION_MIGRATION_PREFIX))
                .map(SimRecord.CreatedMigration::name).toList();
    }

    /** Migration name -> when it entered {@code phase}, for the VMI's migrations. */
    private Map<String, Instant> finalPhases(String vm, MigrationPhase phase) {
        return cluster.record().phaseTransitions().stream()
                .filter(t -> t.vmiName().equals(vm) && t.phase() == phase)
                .collect(Collectors.toMap(SimRecord.PhaseTransition::migration, SimRecord.PhaseTransition::time,
                        (x, y) -> x));
    }
}
