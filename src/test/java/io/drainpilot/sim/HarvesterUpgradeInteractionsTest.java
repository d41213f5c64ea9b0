package io.drainpilot.sim;

import io.drainpilot.kubevirt.MigrationPhase;
import io.drainpilot.kubevirt.VirtualMachine;
import io.drainpilot.names.Names;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static io.drainpilot.sim.HarvesterAloneUpgradeTest.SETTINGS;
import static io.drainpilot.sim.HarvesterAloneUpgradeTest.UPGRADE_TIMEOUT;
import static io.drainpilot.sim.HarvesterAloneUpgradeTest.running;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** What others see of the simulated upgrade: the pause map, Rancher's hooks, and the races Harvester's job starts. */
class HarvesterUpgradeInteractionsTest {
    private static final String REPO_NS = Scenario.HARVESTER_NAMESPACE;
    private static final String REPO = Scenarios.UPGRADE_REPO_VM;
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void aPausedNodeGetsNoPreDrainJobUntilItIsUnpaused() {
        HarvesterSpec spec = HarvesterSpec.of("v1.7.0").restoreVm(true).manualNodeUpgrade("node-2");
        try (SimulatedCluster cluster = SimulatedCluster.start(Scenarios.harvesterUpgradeCluster(spec).build(),
                SETTINGS);
             KubernetesClient client = cluster.newClient()) {
            HarvesterUpgradeSimulator upgrade = cluster.harvester();
            upgrade.startUpgrade();
            // the mutator wrote the pause map from upgrade-config
            assertThat(upgrade.upgrade().getMetadata().getAnnotations())
                    .containsEntry(HarvesterNames.PAUSE_MAP_ANNOTATION, "{\"node-2\":\"pause\"}");

            await().atMost(WAIT).until(() -> upgrade.nodeState("node-2").orElse(null) == NodeUpgradeState.UPGRADE_PAUSED);
            assertThat(upgrade.nodeState("node-1")).contains(NodeUpgradeState.SUCCEEDED);
            assertThat(planSecret(client, "node-2").getMetadata().getAnnotations())
                    .containsKey(HarvesterNames.RANCHER_PRE_DRAIN).doesNotContainKey(HarvesterNames.PRE_HOOK);
            // held: no job, nothing stopped or moved on node-2, while Rancher waits on Harvester's hook
            await().during(Duration.ofMillis(500)).atMost(WAIT).until(() ->
                    upgrade.nodeState("node-2").orElse(null) == NodeUpgradeState.UPGRADE_PAUSED
                            && preDrainJob(client, "node-2") == null);
            assertThat(upgrade.record().stops()).noneMatch(s -> s.node().equals("node-2"));
            assertThat(upgrade.record().stepTime("node-2", UpgradeStep.DRAINED)).isEmpty();

            upgrade.unpause("node-2");
            assertThat(upgrade.awaitUpgradeDone(UPGRADE_TIMEOUT)).isEqualTo(HarvesterUpgradeSimulator.UpgradeState.SUCCEEDED);
            HarvesterRecord r = upgrade.record();
            assertThat(r.stepTime("node-2", UpgradeStep.PRE_DRAIN_JOB_CREATED).orElseThrow())
                    .isAfterOrEqualTo(r.stepTime("node-2", UpgradeStep.UPGRADE_UNPAUSED).orElseThrow()
                            .plusMillis(SETTINGS.scaledMillis(spec.timings().unpauseRequeue())));
            assertThat(r.stepTime("node-1", UpgradeStep.UPGRADE_PAUSED)).isEmpty();
            assertThat(preDrainJob(client, "node-2")).isNotNull();
        }
    }

    @Test
    void beforeV17ThePauseMapIsIgnored() {
        try (SimulatedCluster cluster = SimulatedCluster.start(Scenarios.harvesterUpgrade("v1.6.1"), SETTINGS)) {
            HarvesterUpgradeSimulator upgrade = cluster.harvester();
            upgrade.startUpgrade();
            upgrade.pause("node-1", "node-2", "node-3");
            assertThat(upgrade.awaitUpgradeDone(UPGRADE_TIMEOUT)).isEqualTo(HarvesterUpgradeSimulator.UpgradeState.SUCCEEDED);
            assertThat(upgrade.record().nodeSteps().values()).noneMatch(s -> s.containsKey(UpgradeStep.UPGRADE_PAUSED));
        }
    }

    @Test
    void rancherDrainsOnlyWhenEveryHookHasAnswered() {
        HarvesterSpec spec = HarvesterSpec.of("v1.6.1").restoreVm(true).preDrainHook(Names.PRE_HOOK);
        try (SimulatedCluster cluster = SimulatedCluster.start(Scenarios.harvesterUpgradeCluster(spec).build(),
                SETTINGS);
             KubernetesClient client = cluster.newClient()) {
            HarvesterUpgradeSimulator upgrade = cluster.harvester();
            upgrade.startUpgrade();
            await().atMost(WAIT).until(() -> upgrade.nodeState("node-1").orElse(null) == NodeUpgradeState.PRE_DRAINED);
            Map<String, String> a = planSecret(client, "node-1").getMetadata().getAnnotations();
            String drainOptions = a.get(HarvesterNames.RANCHER_PRE_DRAIN);
            assertThat(drainOptions).contains("\"preDrainHooks\":[{\"annotation\":\"drainpilot.io/pre-hook\"},"
                    + "{\"annotation\":\"harvesterhci.io/pre-hook\"}]").contains("\"enabled\":true");
            assertThat(a).containsEntry(HarvesterNames.PRE_HOOK, drainOptions)
                    .containsEntry(HarvesterNames.RANCHER_DRAIN_OPTIONS, drainOptions);
            await().during(Duration.ofMillis(300)).atMost(WAIT)
                    .until(() -> upgrade.record().stepTime("node-1", UpgradeStep.DRAINED).isEmpty());

            // the other hook answers the way Rancher asks: with the very same string
            client.secrets().inNamespace(Names.RANCHER_PLAN_NAMESPACE)
                    .withName(planSecret(client, "node-1").getMetadata().getName())
                    .edit(s -> {
                        s.getMetadata().getAnnotations().put(Names.PRE_HOOK, drainOptions);
                        return s;
                    });
            await().atMost(WAIT).until(() -> upgrade.record().stepTime("node-1", UpgradeStep.DRAINED).isPresent());
            await().atMost(WAIT).until(() -> upgrade.record().stepTime("node-1", UpgradeStep.HOOK_ANNOTATIONS_REMOVED).isPresent());
            assertThat(planSecret(client, "node-1").getMetadata().getAnnotations()).doesNotContainKey(Names.PRE_HOOK);
            // node-2 now waits for the same answer, with the same string
            await().atMost(WAIT).until(() -> drainOptions.equals(planSecret(client, "node-2").getMetadata()
                    .getAnnotations().get(HarvesterNames.RANCHER_PRE_DRAIN)));
        }
    }

    @Test
    void aMigrationInFlightWhenTheDetectorStopsItsVmIsAborted() {
        try (SimulatedCluster cluster = SimulatedCluster.start(Scenarios.harvesterUpgrade("v1.7.0"), SETTINGS);
             KubernetesClient client = cluster.newClient()) {
            // someone (a hook) is moving the repo VM when Harvester's job gets to it
            cluster.simulator().stallMigrationsOf(REPO_NS, REPO);
            SimTestSupport.migrate(client, REPO_NS, "move-repo", REPO);
            SimTestSupport.awaitPhase(client, REPO_NS, "move-repo", MigrationPhase.RUNNING);

            HarvesterUpgradeSimulator upgrade = cluster.harvester();
            upgrade.startUpgrade();
            await().atMost(WAIT).until(() -> SimTestSupport.migration(client, REPO_NS, "move-repo").phase()
                    == MigrationPhase.FAILED);
            assertThat(upgrade.record().stops()).filteredOn(s -> s.name().equals(REPO)).first()
                    .satisfies(s -> assertThat(s.reason()).isEqualTo(StopReason.CDROM_OR_CONTAINER_DISK));
            assertThat(cluster.record().outcomes()).filteredOn(o -> o.migration().equals("move-repo")).singleElement()
                    .satisfies(o -> assertThat(o.result()).isEqualTo(SimRecord.Result.FAILED));
            // stopped through the stop subresource: RerunOnFailure stays, the VMI goes and nothing starts it again
            assertThat(client.resources(VirtualMachine.class).inNamespace(REPO_NS).withName(REPO).get().runStrategy())
                    .isEqualTo(VirtualMachine.RERUN_ON_FAILURE);
            await().atMost(WAIT).until(() -> SimTestSupport.vmi(client, REPO_NS, REPO) == null);
            // KubeVirt never started an evacuation of its own for it
            assertThat(upgrade.migrationsByVm()).doesNotContainKey(REPO_NS + "/" + REPO);
        }
    }

    @Test
    void onV15TheRepoMigrationInFlightGoesOnAndIsNotDoubled() {
        try (SimulatedCluster cluster = SimulatedCluster.start(Scenarios.harvesterUpgrade("v1.5.2"), SETTINGS);
             KubernetesClient client = cluster.newClient()) {
            cluster.simulator().stallMigrationsOf(REPO_NS, REPO);
            SimTestSupport.migrate(client, REPO_NS, "move-repo", REPO);
            SimTestSupport.awaitPhase(client, REPO_NS, "move-repo", MigrationPhase.RUNNING);
            HarvesterUpgradeSimulator upgrade = cluster.harvester();
            upgrade.startUpgrade();
            await().atMost(WAIT).until(() -> upgrade.record().stepTime("node-1", UpgradeStep.DRAIN_TAINTED).isPresent());
            await().during(Duration.ofMillis(300)).atMost(WAIT).until(() ->
                    SimTestSupport.migration(client, REPO_NS, "move-repo").phase() == MigrationPhase.RUNNING);
            cluster.simulator().clearFaultsOf(REPO_NS, REPO);
            assertThat(upgrade.awaitUpgradeDone(UPGRADE_TIMEOUT)).isEqualTo(HarvesterUpgradeSimulator.UpgradeState.SUCCEEDED);
            assertThat(upgrade.record().stoppedVms()).doesNotContainKey(REPO_NS + "/" + REPO);
            assertThat(cluster.record().outcomes()).filteredOn(o -> o.migration().equals("move-repo")).singleElement()
                    .satisfies(o -> assertThat(o.result()).isEqualTo(SimRecord.Result.SUCCEEDED));
            assertThat(cluster.record().refusals()).isEmpty();
            assertThat(running(client, REPO_NS + "/" + REPO)).isTrue();
        }
    }

    @Test
    void v17StopsAVmWhoseEvacuationFailedWhereV16RetriesIt() {
        try (SimulatedCluster cluster = SimulatedCluster.start(Scenarios.harvesterUpgrade("v1.7.0"), SETTINGS);
             KubernetesClient client = cluster.newClient()) {
            cluster.simulator().failNextMigrationOf("default", "web-1", "guest CPU doesn't match specification");
            HarvesterUpgradeSimulator upgrade = cluster.harvester();
            upgrade.startUpgrade();
            assertThat(upgrade.awaitUpgradeDone(UPGRADE_TIMEOUT)).isEqualTo(HarvesterUpgradeSimulator.UpgradeState.SUCCEEDED);
            assertThat(upgrade.record().stoppedVms()).containsEntry("default/web-1", java.util.List.of(StopReason.FAILED_EVACUATION));
            // it was not on the detector's list, so no restore-vm job brings it back
            assertThat(running(client, "default/web-1")).isFalse();
        }
        try (SimulatedCluster cluster = SimulatedCluster.start(Scenarios.harvesterUpgrade("v1.6.1"), SETTINGS);
             KubernetesClient client = cluster.newClient()) {
            cluster.simulator().failNextMigrationOf("default", "web-1", "guest CPU doesn't match specification");
            HarvesterUpgradeSimulator upgrade = cluster.harvester();
            upgrade.startUpgrade();
            assertThat(upgrade.awaitUpgradeDone(UPGRADE_TIMEOUT)).isEqualTo(HarvesterUpgradeSimulator.UpgradeState.SUCCEEDED);
            assertThat(upgrade.record().stoppedVms()).doesNotContainKey("default/web-1");
            assertThat(upgrade.migrationsByVm().get("default/web-1")).hasSizeGreaterThanOrEqualTo(2);
            assertThat(running(client, "default/web-1")).isTrue();
        }
    }

    private static Secret planSecret(KubernetesClient client, String node) {
        String machine = client.nodes().withName(node).get().getMetadata().getAnnotations().get(Names.CAPI_MACHINE_ANNOTATION);
        return client.secrets().inNamespace(Names.RANCHER_PLAN_NAMESPACE).withLabel(Names.RANCHER_MACHINE_NAME_LABEL, machine)
                .list().getItems().get(0);
    }

    private static io.fabric8.kubernetes.api.model.batch.v1.Job preDrainJob(KubernetesClient client, String node) {
        return client.batch().v1().jobs().inNamespace(Scenario.HARVESTER_NAMESPACE)
                .withName(HarvesterNames.jobName(Scenarios.UPGRADE, HarvesterNames.JOB_PRE_DRAIN, node)).get();
    }
}
