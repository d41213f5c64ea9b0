package io.drainpilot.flow;

import io.drainpilot.names.Names;
import io.drainpilot.sim.CpuProfile;
import io.drainpilot.sim.Scenario;
import io.drainpilot.sim.SimRecord;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The real routes against the simulated cluster, where a VM's CPU history matters: a host-model VM keeps the CPU of the
 * node it first migrated from (its virt-launcher pod's selectors), and KubeVirt 1.8 keeps migrations within the source
 * node's CPU vendor.
 */
class CpuHistoryScenariosTest {

    @Test
    void aHostModelVmThatCameFromAnOlderCpuMovesBackToIt() {
        Scenario scenario = Scenario.builder()
                .node(Scenario.node("sky-1", CpuProfile.SKYLAKE).memory("64Gi"))
                .node(Scenario.node("cascade-1", CpuProfile.CASCADELAKE))
                .vm(Scenario.vm("default", "hm").on("cascade-1").migratedFrom("sky-1").hostModel()
                        .label(Names.FALLBACK, "block"))
                .build();
        try (Harness h = new Harness(scenario)) {
            h.startDrainPilot();
            h.requestDrain("cascade-1");
            awaitOneOf(h, "cascade-1", Set.of(Names.COMPLETED, Names.BLOCKED));

            assertThat(h.evacuation("cascade-1")).isEqualTo(Names.COMPLETED);
            assertThat(h.nodeOf("default", "hm")).isEqualTo("sky-1");
            assertThat(h.summary("cascade-1").migrated()).isEqualTo(1);
            assertThat(h.summary("cascade-1").fellBack()).isZero();
        }
    }

    @Test
    void aHostModelVmIsNotSentToANodeMissingWhatItKeptFromItsFirstCpu() {
        Scenario scenario = Scenario.builder()
                .node(Scenario.node("cascade-1", CpuProfile.CASCADELAKE).unschedulable())
                .node(Scenario.node("ice-1", CpuProfile.ICELAKE))
                // Ice Lake's host model and required features, but no arch-capabilities (an older kernel)
                .node(Scenario.node("ice-2", CpuProfile.ICELAKE.withoutFeature("arch-capabilities")).memory("64Gi"))
                .vm(Scenario.vm("default", "hm").on("ice-1").migratedFrom("cascade-1").hostModel()
                        .label(Names.FALLBACK, "block"))
                .build();
        try (Harness h = new Harness(scenario)) {
            h.startDrainPilot();
            h.requestDrain("ice-1");
            await().atMost(Harness.PATIENCE).pollInterval(Duration.ofMillis(100))
                    .until(() -> Names.BLOCKED.equals(h.evacuation("ice-1")) || !h.migrationsCreatedPerVmi().isEmpty());

            assertThat(h.cluster.record().migrationsCreated()).extracting(SimRecord.CreatedMigration::addedNodeSelector)
                    .as("migrations created for hm").isEmpty();
            assertThat(h.evacuation("ice-1")).isEqualTo(Names.BLOCKED);
            assertThat(h.nodeOf("default", "hm")).isEqualTo("ice-1");
            assertThat(h.vmi("default", "hm").annotation("drainpilot.io/settled")).isEqualTo("block");
        }
    }

    @Test
    void fromKubeVirt18ANamedModelVmStaysWithItsCpuVendor() {
        Scenario scenario = Scenario.builder().kubeVirt(Scenario.DEFAULT_KUBEVIRT_NAMESPACE, "v1.8.0")
                .node(Scenario.node("sky-1", CpuProfile.SKYLAKE))
                .node(Scenario.node("sky-2", CpuProfile.SKYLAKE).memory("8Gi"))
                // more room, and Penryn is one of its models too: the first choice without the vendor rule
                .node(Scenario.node("epyc-1", CpuProfile.EPYC).memory("64Gi"))
                .vm(Scenario.vm("default", "penryn").on("sky-1").namedModel("Penryn").label(Names.FALLBACK, "block"))
                .build();
        try (Harness h = new Harness(scenario)) {
            h.startDrainPilot();
            h.requestDrain("sky-1");
            await().atMost(Harness.PATIENCE).pollInterval(Duration.ofMillis(100))
                    .until(() -> !h.migrationsCreatedPerVmi().isEmpty() || Names.BLOCKED.equals(h.evacuation("sky-1")));

            assertThat(h.cluster.record().migrationsCreated()).extracting(SimRecord.CreatedMigration::addedNodeSelector)
                    .containsOnly(Map.of("kubernetes.io/hostname", "sky-2"));
            h.awaitEvacuation("sky-1", Names.COMPLETED);
            assertThat(h.nodeOf("default", "penryn")).isEqualTo("sky-2");
            assertThat(h.migrationsCreatedPerVmi()).containsExactly(Map.entry("default/penryn", 1L));
        }
    }

    private static void awaitOneOf(Harness h, String node, Set<String> states) {
        await().atMost(Harness.PATIENCE).pollInterval(Duration.ofMillis(100))
                .until(() -> h.evacuation(node) != null && states.contains(h.evacuation(node)));
    }
}
