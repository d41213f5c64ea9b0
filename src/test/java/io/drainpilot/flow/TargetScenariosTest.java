package io.drainpilot.flow;

import io.drainpilot.kubevirt.MigrationPhase;
import io.drainpilot.kubevirt.VirtualMachineInstanceMigration;
import io.drainpilot.names.Names;
import io.drainpilot.sim.CpuProfile;
import io.drainpilot.sim.Scenario;
import io.drainpilot.sim.SimRecord;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The real routes against the simulated cluster: DrainPilot picks only targets KubeVirt can really use (Ready, taints
 * tolerated, room left by what runs and what is arriving) and names them by their {@code kubernetes.io/hostname}
 * label. A wrong pick shows as a target pod that stays Pending until KubeVirt's unschedulable timeout fails it.
 */
class TargetScenariosTest {
    private static final String HOSTNAME = "kubernetes.io/hostname";

    private static Scenario.Builder cluster() {
        return Scenario.builder().kubeVirt("kubevirt", "v1.6.0");
    }

    private static Scenario.NodeSpec node(String name, String memory) {
        return Scenario.node(name, CpuProfile.SKYLAKE).memory(memory);
    }

    /** Every migration of {@code vmi} succeeded at the first attempt, steered to {@code hostname}, onto {@code node}. */
    private static void movedOnceTo(Harness h, String vmi, String node, String hostname) {
        assertThat(h.nodeOf("default", vmi)).isEqualTo(node);
        assertThat(h.cluster.record().migrationsCreated()).filteredOn(c -> c.vmiName().equals(vmi))
                .extracting(SimRecord.CreatedMigration::addedNodeSelector).containsExactly(Map.of(HOSTNAME, hostname));
        assertThat(h.cluster.record().outcomes()).filteredOn(o -> o.vmiName().equals(vmi))
                .extracting(SimRecord.MigrationOutcome::result).containsExactly(SimRecord.Result.SUCCEEDED);
    }

    @Test
    void aNodeThatIsNotReadyIsNeverATarget() {
        Scenario scenario = cluster()
                .node(node("node-1", "8Gi"))
                .node(node("node-2", "64Gi").ready("False"))
                .node(node("node-3", "48Gi").ready(null))
                .node(node("node-4", "8Gi"))
                .vm(Scenario.vm("default", "vm").on("node-1").hostModel().memory("2Gi"))
                .build();
        try (Harness h = new Harness(scenario)) {
            h.startDrainPilot();
            h.requestDrain("node-1");
            h.awaitEvacuation("node-1", Names.COMPLETED);
            movedOnceTo(h, "vm", "node-4", "node-4");
        }
    }

    @Test
    void aTaintTheVmDoesNotTolerateKeepsItOffAndAToleratedOneDoesNot() {
        Scenario scenario = cluster()
                .node(node("node-1", "16Gi"))
                .node(node("node-2", "64Gi").taint("dedicated", "gpu", "NoSchedule"))
                .node(node("node-3", "32Gi").taint("maintenance", null, "NoExecute").taint("soft", "x", "PreferNoSchedule"))
                .node(node("node-4", "16Gi").taint("soft", "x", "PreferNoSchedule"))
                .node(node("node-5", "8Gi"))
                .vm(Scenario.vm("default", "plain").on("node-1").hostModel().memory("2Gi"))
                .vm(Scenario.vm("default", "gpu").on("node-1").hostModel().memory("2Gi")
                        .toleration("dedicated", "Equal", "gpu", "NoSchedule"))
                .vm(Scenario.vm("default", "any").on("node-1").hostModel().memory("2Gi")
                        .toleration(null, "Exists", null, null))
                .build();
        try (Harness h = new Harness(scenario)) {
            h.startDrainPilot(Map.of("drainpilot.migration.max-outbound-per-node", "3"));
            h.requestDrain("node-1");
            h.awaitEvacuation("node-1", Names.COMPLETED);
            // PreferNoSchedule never keeps a VM off
            movedOnceTo(h, "plain", "node-4", "node-4");
            movedOnceTo(h, "gpu", "node-2", "node-2");
            movedOnceTo(h, "any", "node-2", "node-2");
        }
    }

    @Test
    void theTargetIsNamedByItsHostnameLabelWhichNeedNotBeItsName() {
        Scenario scenario = cluster()
                .node(node("node-1", "8Gi"))
                .node(node("node-2", "16Gi").hostname("node-3"))
                .node(node("node-3", "4Gi").hostname("worker-3.example").label("zone", "b"))
                // big fits only node-2, small may only go to node-3: a node-2 labelled "node-3" is a trap for both
                .vm(Scenario.vm("default", "big").on("node-1").hostModel().memory("6Gi"))
                .vm(Scenario.vm("default", "small").on("node-1").hostModel().memory("1Gi").nodeSelector("zone", "b"))
                .build();
        try (Harness h = new Harness(scenario)) {
            h.startDrainPilot();
            h.requestDrain("node-1");
            h.awaitEvacuation("node-1", Names.COMPLETED);
            movedOnceTo(h, "big", "node-2", "node-3");
            movedOnceTo(h, "small", "node-3", "worker-3.example");
        }
    }

    @Test
    void memoryTakenByAMigrationArrivingOnANodeIsNotOfferedAgain() {
        Scenario scenario = cluster()
                .node(node("node-1", "8Gi"))
                .node(node("node-2", "10Gi"))
                .node(node("node-3", "7Gi"))
                .node(node("node-4", "8Gi"))
                .vm(Scenario.vm("default", "arriving").on("node-4").hostModel().memory("6Gi"))
                .vm(Scenario.vm("default", "vm").on("node-1").hostModel().memory("6Gi"))
                .build();
        try (Harness h = new Harness(scenario)) {
            // someone else moves a VM to node-2 (the node with most room) and it takes its time
            h.cluster.simulator().stallMigrationsOf("default", "arriving");
            VirtualMachineInstanceMigration external = new VirtualMachineInstanceMigration();
            external.setMetadata(new ObjectMetaBuilder().withNamespace("default").withName("by-hand").build());
            external.setSpec(new VirtualMachineInstanceMigration.Spec());
            external.getSpec().vmiName = "arriving";
            h.kube.resource(external).create();
            await().atMost(Harness.PATIENCE).until(() -> h.migrations().stream().anyMatch(m -> m.phase() == MigrationPhase.RUNNING
                    && "node-2".equals(m.getStatus().migrationState.targetNode)));

            h.startDrainPilot();
            h.requestDrain("node-1");
            h.awaitEvacuation("node-1", Names.COMPLETED);
            movedOnceTo(h, "vm", "node-3", "node-3");
        }
    }

    @Test
    void twoVmsStartedTogetherDoNotCountOnTheSameRoom() {
        Scenario scenario = cluster()
                .node(node("node-1", "16Gi"))
                .node(node("node-2", "10Gi"))
                .node(node("node-3", "7Gi"))
                .vm(Scenario.vm("default", "vm-a").on("node-1").hostModel().memory("6Gi"))
                .vm(Scenario.vm("default", "vm-b").on("node-1").hostModel().memory("6Gi"))
                .build();
        try (Harness h = new Harness(scenario)) {
            h.startDrainPilot();
            h.requestDrain("node-1");
            h.awaitEvacuation("node-1", Names.COMPLETED);
            assertThat(h.cluster.record().outcomes()).extracting(SimRecord.MigrationOutcome::result)
                    .containsOnly(SimRecord.Result.SUCCEEDED).hasSize(2);
            assertThat(h.migrationsCreatedPerVmi().values()).containsOnly(1L);
            assertThat(java.util.List.of(h.nodeOf("default", "vm-a"), h.nodeOf("default", "vm-b")))
                    .containsExactlyInAnyOrder("node-2", "node-3");
        }
    }

    @Test
    void aTargetWithRoomForOneOfTwoVmsGetsOneEvenWhenKubeVirtChoosesTheTarget() {
        // KubeVirt 1.5: no steering, so the caps cannot hold the second VM back for room; the plan itself must
        Scenario scenario = Scenario.builder().kubeVirt("kubevirt", "v1.5.0")
                .node(node("node-1", "16Gi"))
                .node(node("node-2", "10Gi"))
                .vm(Scenario.vm("default", "vm-a").on("node-1").hostModel().memory("6Gi"))
                .vm(Scenario.vm("default", "vm-b").on("node-1").hostModel().memory("6Gi"))
                .build();
        try (Harness h = new Harness(scenario)) {
            h.startDrainPilot();
            h.requestDrain("node-1");
            h.awaitEvacuation("node-1", Names.BLOCKED);
            await().atMost(Harness.PATIENCE).until(() -> "node-2".equals(h.nodeOf("default", "vm-a")));
            assertThat(h.cluster.record().migrationsCreated()).extracting(SimRecord.CreatedMigration::vmiName)
                    .containsExactly("vm-a");
            assertThat(h.nodeOf("default", "vm-b")).isEqualTo("node-1");
            assertThat(h.cluster.record().outcomes()).extracting(SimRecord.MigrationOutcome::result)
                    .containsOnly(SimRecord.Result.SUCCEEDED);
        }
    }
}
