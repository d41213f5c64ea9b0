package io.drainpilot.sim;

import io.drainpilot.kubevirt.MigrationPhase;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static io.drainpilot.sim.SimTestSupport.migrate;
import static io.drainpilot.sim.SimTestSupport.migration;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** parallelMigrationsPerCluster and parallelOutboundMigrationsPerNode hold; extra migrations wait in Pending. */
class ConcurrencyLimitsTest {

    @Test
    void eightMigrationsRespectClusterAndPerNodeLimits() {
        Scenario.Builder scenario = Scenario.builder()
                .node(Scenario.node("node-1", CpuProfile.SKYLAKE).memory("32Gi"))
                .node(Scenario.node("node-2", CpuProfile.SKYLAKE).memory("32Gi"))
                .node(Scenario.node("node-3", CpuProfile.SKYLAKE).memory("32Gi"))
                .node(Scenario.node("node-4", CpuProfile.SKYLAKE).memory("64Gi"));
        List<String> sources = List.of("node-1", "node-1", "node-1", "node-2", "node-2", "node-2", "node-3", "node-3");
        IntStream.range(0, sources.size()).forEach(i ->
                scenario.vm(Scenario.vm("default", "vm-" + i).on(sources.get(i)).hostModel()));

        try (SimulatedCluster cluster = SimulatedCluster.start(scenario.build(), SimSettings.forTests());
             KubernetesClient client = cluster.newClient()) {
            IntStream.range(0, sources.size()).forEach(i -> migrate(client, "default", "m-" + i, "vm-" + i));

            await().atMost(SimTestSupport.WAIT).until(() -> IntStream.range(0, sources.size())
                    .allMatch(i -> migration(client, "default", "m-" + i).phase() == MigrationPhase.SUCCEEDED));

            SimRecord record = cluster.record();
            assertThat(record.maxInFlightInCluster()).isBetween(2, 5);
            assertThat(record.maxOutboundPerNode()).containsKeys("node-1", "node-2", "node-3")
                    .allSatisfy((node, max) -> assertThat(max).isLessThanOrEqualTo(2));
            assertThat(record.maxOutboundPerNode()).containsEntry("node-1", 2);
            assertThat(record.maxInboundPerNode()).isNotEmpty();

            // whoever started after the first migration finished had been held back in Pending
            Instant firstFinished = record.phaseTransitions().stream()
                    .filter(t -> t.phase() == MigrationPhase.SUCCEEDED)
                    .map(SimRecord.PhaseTransition::time).min(Instant::compareTo).orElseThrow();
            List<String> heldBack = record.phaseTransitions().stream()
                    .filter(t -> t.phase() == MigrationPhase.SCHEDULING && !t.time().isBefore(firstFinished))
                    .map(SimRecord.PhaseTransition::migration).toList();
            assertThat(heldBack).isNotEmpty();
            assertThat(heldBack).allSatisfy(m -> assertThat(record.phasesOf("default", m))
                    .startsWith(MigrationPhase.PENDING, MigrationPhase.SCHEDULING));
            assertThat(record.outcomes()).hasSize(8)
                    .allSatisfy(o -> assertThat(o.result()).isEqualTo(SimRecord.Result.SUCCEEDED));
        }
    }

    @Test
    void limitsComeFromTheKubeVirtCr() {
        Scenario.Builder scenario = Scenario.builder()
                .migrationLimits(1, 1)
                .node(Scenario.node("node-1", CpuProfile.SKYLAKE).memory("32Gi"))
                .node(Scenario.node("node-2", CpuProfile.SKYLAKE).memory("32Gi"))
                .node(Scenario.node("node-3", CpuProfile.SKYLAKE).memory("32Gi"));
        scenario.vm(Scenario.vm("default", "a").on("node-1")).vm(Scenario.vm("default", "b").on("node-2"))
                .vm(Scenario.vm("default", "c").on("node-3"));
        try (SimulatedCluster cluster = SimulatedCluster.start(scenario.build(), SimSettings.forTests());
             KubernetesClient client = cluster.newClient()) {
            Map.of("ma", "a", "mb", "b", "mc", "c").forEach((m, vmi) -> migrate(client, "default", m, vmi));
            await().atMost(SimTestSupport.WAIT).until(() -> cluster.record().outcomes().size() == 3);
            assertThat(cluster.record().maxInFlightInCluster()).isEqualTo(1);
        }
    }
}
