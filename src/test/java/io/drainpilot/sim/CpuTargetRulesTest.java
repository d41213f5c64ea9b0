package io.drainpilot.sim;

import io.drainpilot.kubevirt.KubeVirtNames;
import io.drainpilot.kubevirt.MigrationPhase;
import io.drainpilot.kubevirt.VirtualMachineInstanceMigration;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static io.drainpilot.sim.SimTestSupport.awaitPhase;
import static io.drainpilot.sim.SimTestSupport.migrate;
import static io.drainpilot.sim.SimTestSupport.migration;
import static io.drainpilot.sim.SimTestSupport.vmi;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Where KubeVirt puts (or fails to put) a VMI, by CPU mode. */
class CpuTargetRulesTest {

    @Test
    void hostModelVmOnSkylakeNeverLandsOnEpycEvenWhenEpycHasMoreRoom() {
        try (SimulatedCluster cluster = SimulatedCluster.start(Scenarios.heterogeneous(), SimSettings.forTests());
             KubernetesClient client = cluster.newClient()) {
            migrate(client, "default", "m1", "host-model-vm");
            awaitPhase(client, "default", "m1", MigrationPhase.SUCCEEDED);
            assertThat(vmi(client, "default", "host-model-vm").getStatus().nodeName).isEqualTo("node-2");
        }
    }

    @Test
    void namedModelGoesOnlyWhereTheModelAndRequiredFeaturesAre() {
        Scenario scenario = Scenario.builder()
                .node(Scenario.node("node-1", CpuProfile.CASCADELAKE).memory("16Gi"))
                .node(Scenario.node("node-2", CpuProfile.SKYLAKE).memory("64Gi"))
                .node(Scenario.node("node-3", CpuProfile.EPYC).memory("64Gi"))
                .node(Scenario.node("node-4", CpuProfile.CASCADELAKE).memory("8Gi"))
                // Skylake has the model but not avx512f; EPYC lacks the model
                .vm(Scenario.vm("default", "named").on("node-1").namedModel("Broadwell-noTSX", "avx512f"))
                .build();
        try (SimulatedCluster cluster = SimulatedCluster.start(scenario, SimSettings.forTests());
             KubernetesClient client = cluster.newClient()) {
            migrate(client, "default", "m1", "named");
            awaitPhase(client, "default", "m1", MigrationPhase.SUCCEEDED);
            assertThat(vmi(client, "default", "named").getStatus().nodeName).isEqualTo("node-4");
        }
    }

    @Test
    void noFittingNodeStaysSchedulingThenFailsAfterTheScaledTimeout() {
        Scenario scenario = Scenario.builder()
                .node(Scenario.node("node-1", CpuProfile.SKYLAKE))
                .node(Scenario.node("node-2", CpuProfile.SKYLAKE).unschedulable())
                .node(Scenario.node("node-3", CpuProfile.EPYC))
                .vm(Scenario.vm("default", "hm").on("node-1").hostModel())
                .build();
        try (SimulatedCluster cluster = SimulatedCluster.start(scenario, SimSettings.forTests());
             KubernetesClient client = cluster.newClient()) {
            // 100 s KubeVirt time = 1 s here
            migrate(client, "default", "m1", "hm", null,
                    Map.of(KubeVirtNames.ANNOTATION_UNSCHEDULABLE_TIMEOUT, "100"));
            awaitPhase(client, "default", "m1", MigrationPhase.SCHEDULING);
            long schedulingAt = System.nanoTime();

            VirtualMachineInstanceMigration failed = awaitPhase(client, "default", "m1", MigrationPhase.FAILED);

            assertThat(Duration.ofNanos(System.nanoTime() - schedulingAt)).isGreaterThan(Duration.ofMillis(700));
            assertThat(failed.getStatus().migrationState.failureReason).contains("unschedulable");
            assertThat(cluster.record().phasesOf("default", "m1")).containsExactly(MigrationPhase.PENDING,
                    MigrationPhase.SCHEDULING, MigrationPhase.FAILED);
            assertThat(vmi(client, "default", "hm").getStatus().nodeName).isEqualTo("node-1");
        }
    }

    @Test
    void hostPassthroughOntoOtherCpuFailsInLibvirtButSucceedsWithAddedNodeSelector() {
        try (SimulatedCluster cluster = SimulatedCluster.start(Scenarios.heterogeneous(), SimSettings.forTests());
             KubernetesClient client = cluster.newClient()) {
            // no CPU selector: the scheduler takes the EPYC node with the most free memory
            migrate(client, "default", "blind", "passthrough-vm");
            VirtualMachineInstanceMigration failed = awaitPhase(client, "default", "blind", MigrationPhase.FAILED);
            assertThat(cluster.record().phasesOf("default", "blind")).contains(MigrationPhase.RUNNING);
            assertThat(failed.getStatus().migrationState.targetNode).isEqualTo("node-3");
            assertThat(failed.getStatus().migrationState.failureReason)
                    .contains("guest CPU doesn't match specification: missing features: ")
                    .contains("invpcid");
            assertThat(vmi(client, "default", "passthrough-vm").getStatus().nodeName).isEqualTo("node-1");

            migrate(client, "default", "pinned", "passthrough-vm",
                    Map.of("kubernetes.io/hostname", "node-2"), Map.of());
            awaitPhase(client, "default", "pinned", MigrationPhase.SUCCEEDED);
            assertThat(vmi(client, "default", "passthrough-vm").getStatus().nodeName).isEqualTo("node-2");
        }
    }

    @Test
    void hostModelSourceWithoutHostModelLabelCannotMigrate() {
        Scenario scenario = Scenario.builder()
                .node(Scenario.node("node-1", CpuProfile.SKYLAKE.withoutHostModelLabel()))
                .node(Scenario.node("node-2", CpuProfile.SKYLAKE))
                .vm(Scenario.vm("default", "hm").on("node-1").hostModel())
                .build();
        try (SimulatedCluster cluster = SimulatedCluster.start(scenario, SimSettings.forTests());
             KubernetesClient client = cluster.newClient()) {
            migrate(client, "default", "m1", "hm", null,
                    Map.of(KubeVirtNames.ANNOTATION_UNSCHEDULABLE_TIMEOUT, "30"));
            awaitPhase(client, "default", "m1", MigrationPhase.FAILED);
            assertThat(migration(client, "default", "m1").getStatus().migrationState.targetNode).isNull();
        }
    }

    @Test
    void addedNodeSelectorIsPrunedBeforeKubeVirt16AndKeptFrom16() {
        Scenario old = Scenarios.harvesterTwoNode();
        Scenario current = Scenarios.harvesterThreeNode();
        Map<String, String> added = Map.of("kubernetes.io/hostname", "node-2");
        try (SimulatedCluster cluster = SimulatedCluster.start(old, SimSettings.forTests());
             KubernetesClient client = cluster.newClient()) {
            migrate(client, "default", "m1", "app-host-model", added, Map.of());
            assertThat(migration(client, "default", "m1").getSpec().addedNodeSelector).isNull();
            assertThat(cluster.record().migrationsCreated()).singleElement()
                    .satisfies(c -> assertThat(c.addedNodeSelector()).isEqualTo(added));
        }
        try (SimulatedCluster cluster = SimulatedCluster.start(current, SimSettings.forTests());
             KubernetesClient client = cluster.newClient()) {
            migrate(client, "default", "m1", "app-host-model", added, Map.of());
            assertThat(migration(client, "default", "m1").getSpec().addedNodeSelector).isEqualTo(added);
            await().atMost(SimTestSupport.WAIT)
                    .until(() -> "node-2".equals(vmi(client, "default", "app-host-model").getStatus().nodeName));
        }
    }
}
