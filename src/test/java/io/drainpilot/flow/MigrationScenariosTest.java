package io.drainpilot.flow;

import io.drainpilot.app.DrainPilotRuntime;
import io.drainpilot.names.Names;
import io.drainpilot.kubevirt.VirtualMachineInstanceMigration;
import io.drainpilot.sim.CpuProfile;
import io.drainpilot.sim.Scenario;
import io.drainpilot.sim.Scenarios;
import io.drainpilot.sim.SimRecord;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The real routes against the simulated cluster: request, await, release, cancel, caps, adoption, restarts. */
class MigrationScenariosTest {
    private static final String DRAIN_OPTIONS = "{\"IgnoreErrors\":false,\"DeleteEmptyDirData\":true,\"Force\":true,"
            + "\"GracePeriod\":0,\"Timeout\":0,\"SkipWaitForDeleteTimeoutSeconds\":0,\"PostDrainHooks\":null,"
            + "\"PreDrainHooks\":[{\"annotation\":\"harvesterhci.io/pre-hook\"},{\"annotation\":\"drainpilot.io/pre-hook\"}]}";

    @Test
    void harvesterUpgradeMovesTheUpgradeRepoAndReleasesEachHookWithTheExactValue() {
        try (Harness h = new Harness(Scenarios.harvesterTwoNode())) {
            h.startDrainPilot();

            h.rancherPreDrain("node-1", DRAIN_OPTIONS);
            await().atMost(Harness.PATIENCE).until(() -> DRAIN_OPTIONS.equals(h.preHook("node-1")));
            assertThat(h.nodeOf("harvester-system", Scenarios.UPGRADE_REPO_VM)).isEqualTo("node-2");
            assertThat(h.nodeOf("default", "app-host-model")).isEqualTo("node-2");
            assertThat(h.evacuation("node-1")).isEqualTo(Names.COMPLETED);
            assertThat(h.summary("node-1").migrated()).isEqualTo(2);

            h.rancherFinish("node-1");
            h.rancherPreDrain("node-2", DRAIN_OPTIONS + " ");
            await().atMost(Harness.PATIENCE).until(() -> (DRAIN_OPTIONS + " ").equals(h.preHook("node-2")));
            assertThat(h.nodeOf("harvester-system", Scenarios.UPGRADE_REPO_VM)).isEqualTo("node-1");
            // once per node per upgrade: no VM was migrated twice in one drain
            assertThat(h.migrationsCreatedPerVmi()).containsEntry("harvester-system/" + Scenarios.UPGRADE_REPO_VM, 2L);
            assertThat(h.cluster.record().refusals()).isEmpty();
        }
    }

    @Test
    void aRancherDrainStartsWhenAnnouncedAndItsHookIsAnsweredOnceAsked() {
        try (Harness h = new Harness(Scenarios.harvesterTwoNode())) {
            h.startDrainPilot();

            // Rancher's first steps: drain options, cordon. DrainPilot starts now, before the pre-drain (and Harvester's job)
            h.rancherAnnounceDrain("node-1", DRAIN_OPTIONS);
            await().atMost(Harness.PATIENCE).until(() -> h.summary("node-1") != null && h.summary("node-1").migrated() == 2
                    && h.summary("node-1").pending() == 0 && h.summary("node-1").inFlight() == 0);
            assertThat(h.nodeOf("harvester-system", Scenarios.UPGRADE_REPO_VM)).isEqualTo("node-2");
            // nothing to answer with yet: the evacuation waits for Rancher's question
            assertThat(h.evacuation("node-1")).isEqualTo(Names.IN_PROGRESS);
            assertThat(h.preHook("node-1")).isNull();

            h.annotatePlanSecret("node-1", Names.RANCHER_PRE_DRAIN, DRAIN_OPTIONS);
            await().atMost(Harness.PATIENCE).until(() -> DRAIN_OPTIONS.equals(h.preHook("node-1")));
            assertThat(h.evacuation("node-1")).isEqualTo(Names.COMPLETED);
            // the same drain: its record kept, no VM moved twice
            assertThat(h.summary("node-1").migrated()).isEqualTo(2);
            assertThat(h.migrationsCreatedPerVmi()).containsOnly(
                    Map.entry("harvester-system/" + Scenarios.UPGRADE_REPO_VM, 1L), Map.entry("default/app-host-model", 1L));
        }
    }

    @Test
    void aCordonAndDrainOptionsLeftWithoutEachOtherStartNothing() {
        try (Harness h = new Harness(Scenarios.harvesterTwoNode())) {
            h.startDrainPilot();
            h.annotatePlanSecret("node-1", Names.RANCHER_DRAIN_OPTIONS, DRAIN_OPTIONS);
            h.requestDrain("node-2"); // a drain that happens meanwhile shows DrainPilot is looking
            h.awaitEvacuation("node-2", Names.COMPLETED);
            assertThat(h.evacuation("node-1")).isNull();
            assertThat(h.cluster.record().migrationsCreated()).noneMatch(c -> "node-1".equals(c.labels().get(Names.SOURCE_NODE)));
        }
    }

    @Test
    void hostPassthroughVmGoesOnlyToTheNodeWithTheSameCpu() {
        try (Harness h = new Harness(Scenarios.heterogeneous())) {
            h.startDrainPilot();
            h.requestDrain("node-1");
            h.awaitEvacuation("node-1", Names.COMPLETED);
            assertThat(h.nodeOf("default", "passthrough-vm")).isEqualTo("node-2");
            assertThat(h.cluster.record().outcomes()).filteredOn(o -> o.vmiName().equals("passthrough-vm"))
                    .extracting(SimRecord.MigrationOutcome::target).containsOnly("node-2");
            assertThat(h.cluster.record().migrationsCreated()).filteredOn(c -> c.vmiName().equals("passthrough-vm"))
                    .extracting(SimRecord.CreatedMigration::addedNodeSelector)
                    .containsOnly(Map.of("kubernetes.io/hostname", "node-2"));
        }
    }

    @Test
    void withoutSteeringAHostPassthroughVmIsNotGambledOnButSentToRecovery() {
        try (Harness h = new Harness(Scenarios.heterogeneous())) {
            h.startDrainPilot(Map.of("drainpilot.migration.target-steering", "off"));
            h.requestDrain("node-1");
            h.awaitEvacuation("node-1", Names.BLOCKED);
            assertThat(h.nodeOf("default", "passthrough-vm")).isEqualTo("node-1");
            assertThat(h.migrationsCreatedPerVmi()).doesNotContainKey("default/passthrough-vm");
            assertThat(h.vmi("default", "passthrough-vm").annotation("drainpilot.io/settled")).isEqualTo("block");
            await().atMost(Harness.PATIENCE).until(() -> h.nodeOf("default", "host-model-vm").equals("node-2")
                    || h.nodeOf("default", "host-model-vm").equals("node-3"));
        }
    }

    @Test
    void concurrencyCapsAreNeverExceeded() {
        Scenario.Builder b = Scenario.builder().kubeVirt("kubevirt", "v1.6.0").migrationLimits(5, 2);
        for (int i = 1; i <= 4; i++) {
            b.node(Scenario.node("node-" + i, CpuProfile.SKYLAKE).memory("64Gi"));
        }
        for (int i = 1; i <= 8; i++) {
            b.vm(Scenario.vm("default", "vm-" + i).on("node-1").hostModel().memory("1Gi"));
            b.vm(Scenario.vm("default", "other-" + i).on("node-2").hostModel().memory("1Gi"));
        }
        try (Harness h = new Harness(b.build())) {
            h.startDrainPilot(Map.of("drainpilot.migration.max-inbound-per-node", "1"));
            h.requestDrain("node-1");
            h.requestDrain("node-2");
            h.awaitEvacuation("node-1", Names.COMPLETED);
            h.awaitEvacuation("node-2", Names.COMPLETED);
            SimRecord r = h.cluster.record();
            assertThat(r.maxInFlightInCluster()).isLessThanOrEqualTo(5);
            assertThat(r.maxOutboundPerNode().values()).allMatch(n -> n <= 2);
            assertThat(r.maxInboundPerNode().values()).allMatch(n -> n <= 1);
            // what DrainPilot itself had open (the simulated KubeVirt would hold back extra ones on its own)
            assertThat(h.mostOpenAtOnce(c -> "cluster")).containsOnlyKeys("cluster").allSatisfy((k, n) -> assertThat(n).isBetween(1, 5));
            assertThat(h.mostOpenAtOnce(c -> c.labels().get(Names.SOURCE_NODE))).containsOnlyKeys("node-1", "node-2")
                    .allSatisfy((node, n) -> assertThat(n).as("open out of %s", node).isLessThanOrEqualTo(2));
            assertThat(h.mostOpenAtOnce(c -> c.addedNodeSelector() == null ? null
                    : c.addedNodeSelector().get(io.drainpilot.plan.TargetSteering.HOSTNAME_LABEL))).isNotEmpty()
                    .allSatisfy((node, n) -> assertThat(n).as("open into %s", node).isLessThanOrEqualTo(1));
            assertThat(h.migrationsCreatedPerVmi().values()).containsOnly(1L);
            assertThat(h.summary("node-1").migrated()).isEqualTo(8);
            // KubeVirt's own timeouts, from our configuration, on every migration we asked for
            assertThat(h.migrations()).allSatisfy(m -> assertThat(m.getMetadata().getAnnotations())
                    .containsEntry("kubevirt.io/migrationUnschedulablePodTimeoutSeconds", "300")
                    .containsEntry("kubevirt.io/migrationPendingPodTimeoutSeconds", "900"));
        }
    }

    @Test
    void theKubeVirtLimitsWinWhenTheyAreLowerThanOurs() {
        Scenario.Builder b = Scenario.builder().kubeVirt("kubevirt", "v1.6.0").migrationLimits(2, 1);
        for (int i = 1; i <= 3; i++) {
            b.node(Scenario.node("node-" + i, CpuProfile.SKYLAKE).memory("64Gi"));
        }
        for (int i = 1; i <= 4; i++) {
            b.vm(Scenario.vm("default", "vm-" + i).on("node-1").hostModel().memory("1Gi"));
            b.vm(Scenario.vm("default", "other-" + i).on("node-2").hostModel().memory("1Gi"));
        }
        try (Harness h = new Harness(b.build())) {
            h.startDrainPilot(); // ours: 5 in the cluster, 2 out of a node
            h.requestDrain("node-1");
            h.requestDrain("node-2");
            h.awaitEvacuation("node-1", Names.COMPLETED);
            h.awaitEvacuation("node-2", Names.COMPLETED);
            assertThat(h.cluster.record().maxInFlightInCluster()).isLessThanOrEqualTo(2);
            assertThat(h.cluster.record().maxOutboundPerNode().values()).allMatch(n -> n <= 1);
            // DrainPilot itself asked for no more than KubeVirt's limits allow
            assertThat(h.mostOpenAtOnce(c -> "cluster")).containsOnlyKeys("cluster").allSatisfy((k, n) -> assertThat(n).isBetween(1, 2));
            assertThat(h.mostOpenAtOnce(c -> c.labels().get(Names.SOURCE_NODE))).containsOnlyKeys("node-1", "node-2")
                    .allSatisfy((node, n) -> assertThat(n).as("open out of %s", node).isEqualTo(1));
        }
    }

    @Test
    void aVmiDeletedDuringItsMigrationCountsAsGoneNotFailed() {
        try (Harness h = new Harness(Scenarios.heterogeneous())) {
            h.cluster.simulator().stallMigrationsOf("default", "host-model-vm");
            h.startDrainPilot();
            h.requestDrain("node-1");
            await().atMost(Harness.PATIENCE).until(() -> h.migrations().stream()
                    .anyMatch(m -> m.vmiName().equals("host-model-vm") && m.phase() == io.drainpilot.kubevirt.MigrationPhase.RUNNING));
            // its owner deletes the VM meanwhile
            h.kube.resources(io.drainpilot.kubevirt.VirtualMachine.class).inNamespace("default").withName("host-model-vm").delete();
            h.kube.resources(io.drainpilot.kubevirt.VirtualMachineInstance.class).inNamespace("default")
                    .withName("host-model-vm").delete();
            h.awaitEvacuation("node-1", Names.COMPLETED);
            assertThat(RecoveryScenariosTest.eventsAbout(h, "host-model-vm")).isEmpty();
            assertThat(h.summary("node-1").failed()).isZero();
            assertThat(h.summary("node-1").migrated()).isEqualTo(1);
        }
    }

    @Test
    void aMigrationSomeoneElseStartedIsAdoptedNotDuplicated() {
        try (Harness h = new Harness(Scenarios.heterogeneous())) {
            h.cluster.simulator().stallMigrationsOf("default", "host-model-vm");
            VirtualMachineInstanceMigration external = new VirtualMachineInstanceMigration();
            external.setMetadata(new ObjectMetaBuilder().withNamespace("default").withGenerateName("kubevirt-evacuation-")
                    .withAnnotations(Map.of("kubevirt.io/evacuationMigration", "node-1")).build());
            external.setSpec(new VirtualMachineInstanceMigration.Spec());
            external.getSpec().vmiName = "host-model-vm";
            String name = h.kube.resource(external).create().getMetadata().getName();
            h.startDrainPilot();
            h.requestDrain("node-1");
            // the passthrough VM moves; the adopted one stays in flight and is never doubled
            await().atMost(Harness.PATIENCE).until(() -> "node-2".equals(h.nodeOf("default", "passthrough-vm")));
            await().atMost(Harness.PATIENCE).until(() -> h.summary("node-1") != null && h.summary("node-1").inFlight() == 1);
            h.kube.resources(VirtualMachineInstanceMigration.class).inNamespace("default").withName(name).delete();
            // KubeVirt's own migration was cancelled by someone: DrainPilot now moves the VM itself
            await().atMost(Harness.PATIENCE).until(() -> h.cluster.record().migrationsCreated().stream()
                    .filter(c -> c.vmiName().equals("host-model-vm")).count() == 2);
            h.cluster.simulator().clearFaultsOf("default", "host-model-vm");
            h.awaitEvacuation("node-1", Names.COMPLETED);
            assertThat(h.cluster.record().refusals()).isEmpty();
            assertThat(h.cluster.record().migrationsCreated()).filteredOn(c -> c.vmiName().equals("host-model-vm"))
                    .extracting(SimRecord.CreatedMigration::name).hasSize(2).contains(name);
        }
    }

    @Test
    void anAdoptedMigrationThatSucceedsIsCounted() {
        try (Harness h = new Harness(Scenarios.heterogeneous())) {
            h.cluster.simulator().stallMigrationsOf("default", "host-model-vm");
            VirtualMachineInstanceMigration external = new VirtualMachineInstanceMigration();
            external.setMetadata(new ObjectMetaBuilder().withNamespace("default").withGenerateName("kubevirt-evacuation-")
                    .build());
            external.setSpec(new VirtualMachineInstanceMigration.Spec());
            external.getSpec().vmiName = "host-model-vm";
            h.kube.resource(external).create();
            h.startDrainPilot();
            h.requestDrain("node-1");
            await().atMost(Harness.PATIENCE).until(() -> h.summary("node-1") != null && h.summary("node-1").inFlight() == 1
                    && "node-2".equals(h.nodeOf("default", "passthrough-vm")));
            h.cluster.simulator().clearFaultsOf("default", "host-model-vm");
            h.awaitEvacuation("node-1", Names.COMPLETED);
            assertThat(h.summary("node-1").migrated()).isEqualTo(2);
            assertThat(h.cluster.record().migrationsCreated()).filteredOn(c -> c.vmiName().equals("host-model-vm"))
                    .hasSize(1);
        }
    }

    @Test
    void cancelStopsOurMigrationsAndStartsNoMore() {
        try (Harness h = new Harness(Scenarios.heterogeneous())) {
            h.cluster.simulator().stallMigrationsOf("default", "passthrough-vm");
            h.cluster.simulator().stallMigrationsOf("default", "host-model-vm");
            h.startDrainPilot();
            h.requestDrain("node-1");
            await().atMost(Harness.PATIENCE).until(() -> h.migrations().size() == 2);
            h.annotateNode("node-1", Names.CANCEL, "true");
            h.awaitEvacuation("node-1", Names.CANCELLED);
            await().atMost(Harness.PATIENCE).until(() -> h.migrations().isEmpty());
            int created = h.cluster.record().migrationsCreated().size();
            // several more scans: still nothing new
            h.awaitScans(5);
            assertThat(h.cluster.record().migrationsCreated()).hasSize(created);
            assertThat(h.nodeOf("default", "passthrough-vm")).isEqualTo("node-1");
        }
    }

    @Test
    void aNewProcessFinishesTheEvacuationWithoutDuplicatesOrLostAttempts() {
        Scenario.Builder b = Scenario.builder().kubeVirt("kubevirt", "v1.6.0");
        b.node(Scenario.node("node-1", CpuProfile.SKYLAKE).memory("64Gi"));
        b.node(Scenario.node("node-2", CpuProfile.SKYLAKE).memory("64Gi"));
        b.node(Scenario.node("node-3", CpuProfile.SKYLAKE).memory("64Gi"));
        for (int i = 1; i <= 6; i++) {
            b.vm(Scenario.vm("default", "vm-" + i).on("node-1").hostModel().memory(i + "Gi"));
        }
        try (Harness h = new Harness(b.build())) {
            DrainPilotRuntime first = h.startDrainPilot();
            h.requestDrain("node-1");
            await().atMost(Harness.PATIENCE).until(() -> !h.migrations().isEmpty());
            h.stop(first); // mid-flight: some migrations running, most not started
            assertThat(h.evacuation("node-1")).isEqualTo(Names.IN_PROGRESS);
            h.startDrainPilot();
            h.awaitEvacuation("node-1", Names.COMPLETED);
            assertThat(h.migrationsCreatedPerVmi().values()).containsOnly(1L);
            for (int i = 1; i <= 6; i++) {
                assertThat(h.vmi("default", "vm-" + i).annotation(Names.ATTEMPTS)).isEqualTo("1");
                assertThat(h.nodeOf("default", "vm-" + i)).isNotEqualTo("node-1");
            }
            assertThat(h.summary("node-1").migrated()).isEqualTo(6);
        }
    }

    @Test
    void aMigrationPastItsDeadlineIsCancelledAndRetriedElsewhere() {
        try (Harness h = new Harness(Scenarios.harvesterThreeNode())) {
            h.cluster.simulator().stallMigrationsOf("default", "app-host-model");
            h.startDrainPilot(Map.of("drainpilot.migration.deadline.running-base", "3s",
                    "drainpilot.migration.deadline.running-per-gib", "0s",
                    "drainpilot.recovery.max-attempts", "2",
                    // the escalation ladder has its own test (ConvergenceScenariosTest): here the fallback follows
                    "drainpilot.recovery.escalation.auto-converge", "false"));
            h.requestDrain("node-1");
            await().atMost(Harness.PATIENCE).until(() -> h.cluster.record().outcomes().stream()
                    .anyMatch(o -> o.vmiName().equals("app-host-model") && o.result() == SimRecord.Result.CANCELLED));
            // after max-attempts timeouts the fallback (block by default) applies
            await().atMost(Harness.PATIENCE).until(() ->
                    "block".equals(h.vmi("default", "app-host-model").annotation("drainpilot.io/settled")));
            await().atMost(Harness.PATIENCE).untilAsserted(() -> assertThat(h.cluster.record().outcomes())
                    .filteredOn(o -> o.vmiName().equals("app-host-model"))
                    .hasSize(2).allMatch(o -> o.result() == SimRecord.Result.CANCELLED));
            assertThat(h.vmi("default", "app-host-model").annotation(Names.ATTEMPTS)).isEqualTo("2");
            assertThat(h.evacuation("node-1")).isEqualTo(Names.BLOCKED);
            assertThat(h.migrations()).filteredOn(m -> m.vmiName().equals("app-host-model"))
                    .noneMatch(m -> !m.phase().isFinal());
        }
    }
}
