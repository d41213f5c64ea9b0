package io.drainpilot.sim;

import io.drainpilot.kubevirt.KubeVirtNames;
import io.drainpilot.kubevirt.MigrationPhase;
import io.drainpilot.kubevirt.VirtualMachineInstanceMigration;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;

import static io.drainpilot.sim.SimTestSupport.awaitPhase;
import static io.drainpilot.sim.SimTestSupport.migrate;
import static io.drainpilot.sim.SimTestSupport.vmi;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** Where the simulated scheduler puts a migration target pod: readiness, taints, room, hostname labels. */
class TargetPlacementTest {

    private static Scenario.Builder threeNodes(Scenario.NodeSpec roomy, Scenario.NodeSpec other) {
        return Scenario.builder()
                .node(Scenario.node("node-1", CpuProfile.SKYLAKE).memory("16Gi"))
                .node(roomy)
                .node(other);
    }

    @Test
    void aNotReadyNodeTakesNoTargetPodEvenWithTheMostRoom() {
        Scenario scenario = threeNodes(Scenario.node("node-2", CpuProfile.SKYLAKE).memory("64Gi").ready("False"),
                Scenario.node("node-3", CpuProfile.SKYLAKE).memory("8Gi"))
                .vm(Scenario.vm("default", "vm").on("node-1").hostModel().memory("2Gi")).build();
        try (SimulatedCluster cluster = SimulatedCluster.start(scenario, SimSettings.forTests());
             KubernetesClient client = cluster.newClient()) {
            migrate(client, "default", "m1", "vm");
            awaitPhase(client, "default", "m1", MigrationPhase.SUCCEEDED);
            assertThat(vmi(client, "default", "vm").getStatus().nodeName).isEqualTo("node-3");
        }
    }

    @Test
    void aTargetSteeredToANotReadyNodeStaysPendingThenFailsAfterTheScaledTimeout() {
        Scenario scenario = threeNodes(Scenario.node("node-2", CpuProfile.SKYLAKE).memory("64Gi").ready(null),
                Scenario.node("node-3", CpuProfile.SKYLAKE).memory("8Gi"))
                .vm(Scenario.vm("default", "vm").on("node-1").hostModel().memory("2Gi")).build();
        try (SimulatedCluster cluster = SimulatedCluster.start(scenario, SimSettings.forTests());
             KubernetesClient client = cluster.newClient()) {
            migrate(client, "default", "m1", "vm", Map.of("kubernetes.io/hostname", "node-2"),
                    Map.of(KubeVirtNames.ANNOTATION_UNSCHEDULABLE_TIMEOUT, "100"));
            awaitPhase(client, "default", "m1", MigrationPhase.SCHEDULING);
            long schedulingAt = System.nanoTime();
            VirtualMachineInstanceMigration failed = awaitPhase(client, "default", "m1", MigrationPhase.FAILED);
            assertThat(Duration.ofNanos(System.nanoTime() - schedulingAt)).isGreaterThan(Duration.ofMillis(700));
            assertThat(failed.getStatus().migrationState.failureReason).contains("unschedulable");
            assertThat(vmi(client, "default", "vm").getStatus().nodeName).isEqualTo("node-1");
        }
    }

    @Test
    void anUntoleratedTaintKeepsTheTargetOffAndATolerationLetsItOn() {
        Scenario scenario = threeNodes(Scenario.node("node-2", CpuProfile.SKYLAKE).memory("64Gi")
                        .taint("dedicated", "gpu", "NoSchedule").taint("soft", null, "PreferNoSchedule"),
                Scenario.node("node-3", CpuProfile.SKYLAKE).memory("8Gi"))
                .vm(Scenario.vm("default", "plain").on("node-1").hostModel().memory("2Gi"))
                .vm(Scenario.vm("default", "tolerant").on("node-1").hostModel().memory("2Gi")
                        .toleration("dedicated", "Equal", "gpu", "NoSchedule"))
                .build();
        try (SimulatedCluster cluster = SimulatedCluster.start(scenario, SimSettings.forTests());
             KubernetesClient client = cluster.newClient()) {
            migrate(client, "default", "m1", "plain");
            migrate(client, "default", "m2", "tolerant");
            awaitPhase(client, "default", "m1", MigrationPhase.SUCCEEDED);
            awaitPhase(client, "default", "m2", MigrationPhase.SUCCEEDED);
            assertThat(vmi(client, "default", "plain").getStatus().nodeName).isEqualTo("node-3");
            assertThat(vmi(client, "default", "tolerant").getStatus().nodeName).isEqualTo("node-2");
        }
    }

    @Test
    void addedNodeSelectorMatchesTheHostnameLabelNotTheNodeName() {
        Scenario scenario = threeNodes(Scenario.node("node-2", CpuProfile.SKYLAKE).memory("8Gi").hostname("node-3"),
                Scenario.node("node-3", CpuProfile.SKYLAKE).memory("8Gi").hostname("host-c.example"))
                .vm(Scenario.vm("default", "a").on("node-1").hostModel().memory("2Gi"))
                .vm(Scenario.vm("default", "b").on("node-1").hostModel().memory("2Gi"))
                .build();
        try (SimulatedCluster cluster = SimulatedCluster.start(scenario, SimSettings.forTests());
             KubernetesClient client = cluster.newClient()) {
            migrate(client, "default", "m1", "a", Map.of("kubernetes.io/hostname", "host-c.example"), Map.of());
            migrate(client, "default", "m2", "b", Map.of("kubernetes.io/hostname", "node-3"), Map.of());
            awaitPhase(client, "default", "m1", MigrationPhase.SUCCEEDED);
            awaitPhase(client, "default", "m2", MigrationPhase.SUCCEEDED);
            assertThat(vmi(client, "default", "a").getStatus().nodeName).isEqualTo("node-3");
            assertThat(vmi(client, "default", "b").getStatus().nodeName).isEqualTo("node-2");
        }
    }

    @Test
    void aTargetPodHoldsItsRoomUntilItsMigrationEnds() {
        Scenario scenario = threeNodes(Scenario.node("node-2", CpuProfile.SKYLAKE).memory("10Gi"),
                Scenario.node("node-3", CpuProfile.SKYLAKE).memory("7Gi"))
                .vm(Scenario.vm("default", "first").on("node-1").hostModel().memory("6Gi"))
                .vm(Scenario.vm("default", "second").on("node-1").hostModel().memory("6Gi"))
                .build();
        try (SimulatedCluster cluster = SimulatedCluster.start(scenario, SimSettings.forTests());
             KubernetesClient client = cluster.newClient()) {
            cluster.simulator().stallMigrationsOf("default", "first");
            migrate(client, "default", "m1", "first");
            awaitPhase(client, "default", "m1", MigrationPhase.RUNNING);
            // 4Gi left on node-2 while the first one's target pod is there: the second one must not go there
            migrate(client, "default", "m2", "second", Map.of("kubernetes.io/hostname", "node-2"),
                    Map.of(KubeVirtNames.ANNOTATION_UNSCHEDULABLE_TIMEOUT, "100"));
            awaitPhase(client, "default", "m2", MigrationPhase.FAILED);
            assertThat(cluster.record().phasesOf("default", "m2")).doesNotContain(MigrationPhase.SCHEDULED);
            assertThat(SimTestSupport.migration(client, "default", "m1").getStatus().migrationState.targetNode)
                    .isEqualTo("node-2");
        }
    }

    static Stream<Arguments> tolerations() {
        return Stream.of(
                arguments("Equal, same key and value", tol("k", "Equal", "v", "NoSchedule"), taint("k", "v", "NoSchedule"), true),
                arguments("Equal, other value", tol("k", "Equal", "w", "NoSchedule"), taint("k", "v", "NoSchedule"), false),
                arguments("empty operator means Equal", tol("k", null, "v", null), taint("k", "v", "NoExecute"), true),
                arguments("Equal without value against a taint without value", tol("k", "Equal", null, null),
                        taint("k", null, "NoSchedule"), true),
                arguments("Exists ignores the value", tol("k", "Exists", null, "NoSchedule"), taint("k", "v", "NoSchedule"), true),
                arguments("Exists, other key", tol("j", "Exists", null, null), taint("k", "v", "NoSchedule"), false),
                arguments("empty key with Exists tolerates everything", tol(null, "Exists", null, null),
                        taint("k", "v", "NoExecute"), true),
                arguments("empty key string with Exists too", tol("", "Exists", null, null), taint("k", "v", "NoSchedule"), true),
                arguments("effect must match when given", tol("k", "Exists", null, "NoExecute"), taint("k", "v", "NoSchedule"), false),
                arguments("unknown operator tolerates nothing", tol("k", "In", "v", null), taint("k", "v", "NoSchedule"), false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tolerations")
    void kubernetesTolerationRules(String name, Toleration toleration, Taint taint, boolean tolerated) {
        assertThat(TargetScheduler.tolerates(toleration, taint)).isEqualTo(tolerated);
    }

    private static Toleration tol(String key, String operator, String value, String effect) {
        return new Toleration(effect, key, operator, null, value);
    }

    private static Taint taint(String key, String value, String effect) {
        return new Taint(effect, key, null, value);
    }
}
