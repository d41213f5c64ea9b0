package io.drainpilot.flow;

import io.drainpilot.app.DrainPilotRuntime;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.names.Names;
import io.drainpilot.sim.HarvesterRecord;
import io.drainpilot.sim.HarvesterSpec;
import io.drainpilot.sim.HarvesterUpgradeSimulator;
import io.drainpilot.sim.NodeUpgradeState;
import io.drainpilot.sim.Scenarios;
import io.drainpilot.sim.SimSettings;
import io.drainpilot.work.HarvesterUpgrade;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Whole rolling Harvester upgrades of a three-node cluster with DrainPilot taking part, per Harvester release:
 * Rancher's per-node drain over the machine-plan Secrets, Harvester's pre-drain job per release (its detector stops
 * what it thinks cannot move, 75 ms after the pre-drain here: faster than a migration), KubeVirt's evacuations.
 */
class HarvesterUpgradeTest {
    static final SimSettings SETTINGS = new SimSettings(20, 40, 0.005, 42);
    static final Duration UPGRADE_TIMEOUT = Duration.ofSeconds(90);
    static final String REPO = "harvester-system/" + Scenarios.UPGRADE_REPO_VM;
    static final Set<String> VMS = Set.of(REPO, "default/zone-pinned", "default/web-1", "default/installer-iso",
            "default/db-1", "default/batch-1");

    /** The upgrade as a Harvester administrator prepares it for DrainPilot: its hook registered beside Harvester's. */
    static io.drainpilot.sim.Scenario scenario(String release) {
        HarvesterSpec spec = HarvesterSpec.of(release).preDrainHook(Names.PRE_HOOK);
        if (spec.version().restoreVmLiftsAdmissionCheck()) {
            spec.restoreVm(true);
        } else {
            spec.skipWebhook();
        }
        return Scenarios.harvesterUpgradeCluster(spec).build();
    }

    @Test
    void onV17DrainPilotConductsAndHarvesterStopsNothing() {
        try (Harness h = new Harness(scenario("v1.7.0"), SETTINGS)) {
            h.startDrainPilot();
            h.awaitReady();
            HarvesterUpgradeSimulator upgrade = h.cluster.harvester();
            upgrade.startUpgrade();
            assertThat(upgrade.awaitUpgradeDone(UPGRADE_TIMEOUT)).isEqualTo(HarvesterUpgradeSimulator.UpgradeState.SUCCEEDED);
            HarvesterRecord record = upgrade.record();
            assertThat(record.stops()).as("VMs Harvester's pre-drain job stopped").isEmpty();
            assertThat(record.downtimes()).isEmpty();
            // the repo VM was live-migrated, by DrainPilot
            assertThat(h.migrationsCreatedPerVmi()).containsKey(REPO);
            assertThat(h.cluster.record().migrationsCreated()).filteredOn(c -> VMS.contains(c.namespace() + "/" + c.vmiName()))
                    .allSatisfy(c -> assertThat(c.labels()).containsEntry(Names.MANAGED_BY, Names.MANAGED_BY_VALUE));
            VMS.forEach(vm -> assertThat(running(h, vm)).as(vm).isTrue());
            // every node was held, then handed back after its evacuation; nothing is left paused
            HarvesterUpgrade u = HarvesterUpgrade.of(upgradeCr(h));
            assertThat(u.pausedByUs()).isEmpty();
            assertThat(u.pauseMap()).containsOnlyKeys("node-1", "node-2", "node-3")
                    .allSatisfy((node, v) -> assertThat(v).isEqualTo(HarvesterUpgrade.UNPAUSE));
            assertThat(upgrade.nodeStates().values()).containsOnly(NodeUpgradeState.SUCCEEDED);
        }
    }

    @Test
    void onV16DrainPilotAnswersTheHookAndNeverStopsAVmItself() {
        try (Harness h = new Harness(scenario("v1.6.1"), SETTINGS)) {
            h.startDrainPilot();
            h.awaitReady();
            HarvesterUpgradeSimulator upgrade = h.cluster.harvester();
            upgrade.startUpgrade();
            assertThat(upgrade.awaitUpgradeDone(UPGRADE_TIMEOUT)).isEqualTo(HarvesterUpgradeSimulator.UpgradeState.SUCCEEDED);
            HarvesterRecord record = upgrade.record();
            // no pause map on v1.6: Harvester's job races DrainPilot and stops what its detector flags first
            assertThat(HarvesterUpgrade.of(upgradeCr(h)).pausedByUs()).isEmpty();
            assertThat(record.stoppedVms().keySet()).as("stopped by Harvester").contains(REPO);
            // DrainPilot itself stopped nothing (no shutdown-restart), and told each stop Harvester made
            assertThat(h.vms()).noneMatch(vm -> vm.getMetadata().getLabels() != null
                    && vm.getMetadata().getLabels().containsKey(io.drainpilot.names.Bookkeeping.STOPPED));
            // the plain VMs moved without downtime, by DrainPilot or KubeVirt
            for (String vm : List.of("default/web-1", "default/db-1", "default/batch-1")) {
                assertThat(record.stoppedVms()).doesNotContainKey(vm);
                assertThat(running(h, vm)).as(vm).isTrue();
            }
        }
    }

    @Test
    void onV15TheRepoVmIsLiveMigrated() {
        try (Harness h = new Harness(scenario("v1.5.2"), SETTINGS)) {
            h.startDrainPilot();
            h.awaitReady();
            HarvesterUpgradeSimulator upgrade = h.cluster.harvester();
            upgrade.startUpgrade();
            assertThat(upgrade.awaitUpgradeDone(UPGRADE_TIMEOUT)).isEqualTo(HarvesterUpgradeSimulator.UpgradeState.SUCCEEDED);
            assertThat(upgrade.record().stoppedVms()).doesNotContainKey(REPO);
            assertThat(running(h, REPO)).isTrue();
            assertThat(h.migrationsCreatedPerVmi()).containsKey(REPO);
        }
    }

    @Test
    void aNewLeaderFinishesAnUpgradeTheFirstOneStarted() {
        try (Harness h = new Harness(scenario("v1.7.0"), SETTINGS)) {
            DrainPilotRuntime first = h.startDrainPilot();
            h.awaitReady();
            HarvesterUpgradeSimulator upgrade = h.cluster.harvester();
            upgrade.startUpgrade();
            // the first process goes away once node-1 is done and the next node is held
            await().atMost(UPGRADE_TIMEOUT).until(() -> upgrade.nodeState("node-1").orElse(null) == NodeUpgradeState.SUCCEEDED);
            h.stop(first);
            h.startDrainPilot();
            assertThat(upgrade.awaitUpgradeDone(UPGRADE_TIMEOUT)).isEqualTo(HarvesterUpgradeSimulator.UpgradeState.SUCCEEDED);
            assertThat(upgrade.record().stops()).isEmpty();
            assertThat(h.migrationsCreatedPerVmi().values()).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(3L));
            VMS.forEach(vm -> assertThat(running(h, vm)).as(vm).isTrue());
        }
    }

    @Test
    void switchedOffMidUpgradeDrainPilotHandsEveryNodeBackAndTheUpgradeCompletes() {
        try (Harness h = new Harness(scenario("v1.7.0"), SETTINGS)) {
            h.startDrainPilot();
            h.awaitReady();
            HarvesterUpgradeSimulator upgrade = h.cluster.harvester();
            upgrade.startUpgrade();
            await().atMost(UPGRADE_TIMEOUT).until(() -> HarvesterUpgrade.of(upgradeCr(h)).pausedByUs().size() >= 2);
            // an operator takes DrainPilot out of the running upgrade
            Harness.retryOnConflict(() -> h.kube.genericKubernetesResources("harvesterhci.io/v1beta1", "Upgrade")
                    .inNamespace("harvester-system").withName(Scenarios.UPGRADE).edit(u -> {
                        u.getMetadata().getAnnotations().put(Names.CONDUCTOR, "off");
                        return u;
                    }));
            await().atMost(UPGRADE_TIMEOUT).until(() -> HarvesterUpgrade.of(upgradeCr(h)).pausedByUs().isEmpty());
            HarvesterUpgrade u = HarvesterUpgrade.of(upgradeCr(h));
            assertThat(u.pauseMap().values()).doesNotContain(HarvesterUpgrade.PAUSE);
            assertThat(upgrade.awaitUpgradeDone(UPGRADE_TIMEOUT)).isEqualTo(HarvesterUpgradeSimulator.UpgradeState.SUCCEEDED);
        }
    }

    static GenericKubernetesResource upgradeCr(Harness h) {
        return h.kube.genericKubernetesResources("harvesterhci.io/v1beta1", "Upgrade").inNamespace("harvester-system")
                .withName(Scenarios.UPGRADE).get();
    }

    static boolean running(Harness h, String key) {
        String[] p = key.split("/");
        VirtualMachineInstance vmi = h.vmi(p[0], p[1]);
        return vmi != null && "Running".equals(vmi.phase());
    }

    /**
     * Six nodes of two Intel CPUs and one AMD, conducted on v1.7. The first node's VMs have no upgraded node to go to:
     * "most room" would send the Cascadelake-bound one to n3, then (n1 full, n2 of the older CPU) to n4, then back to
     * n3, three moves; the placement rule sends it to the Cascadelake node upgraded last, n6, and once more at the end:
     * two. A VM of a later node goes to an upgraded node and moves once. The node they leave the second time counts
     * them as movedAgain.
     */
    @Test
    void onASixNodeClusterEachVmMovesAsFewTimesAsItCanAndRepeatedMovesAreCounted() {
        HarvesterSpec spec = HarvesterSpec.of("v1.7.0").preDrainHook(Names.PRE_HOOK).restoreVm(true);
        io.drainpilot.sim.Scenario scenario = io.drainpilot.sim.Scenario.builder()
                .kubeVirt(io.drainpilot.sim.Scenario.HARVESTER_NAMESPACE, "v1.6.0")
                .harvester(spec)
                .node(sixNode("n1", io.drainpilot.sim.CpuProfile.CASCADELAKE, "4Gi", "m-1").initNode())
                .node(sixNode("n2", io.drainpilot.sim.CpuProfile.SKYLAKE, "32Gi", "m-2"))
                .node(sixNode("n3", io.drainpilot.sim.CpuProfile.CASCADELAKE, "128Gi", "m-3"))
                .node(sixNode("n4", io.drainpilot.sim.CpuProfile.CASCADELAKE, "96Gi", "m-4"))
                .node(sixNode("n5", io.drainpilot.sim.CpuProfile.EPYC, "256Gi", "m-5"))
                .node(sixNode("n6", io.drainpilot.sim.CpuProfile.CASCADELAKE, "16Gi", "m-6"))
                .vm(Scenarios.harvesterRepoVm(spec.upgradeName(), "n1", io.drainpilot.sim.Scenario.CpuMode.HOST_MODEL))
                .vm(io.drainpilot.sim.Scenario.vm("default", "early").on("n1").hostModel().memory("3Gi"))
                .vm(io.drainpilot.sim.Scenario.vm("default", "wanderer").on("n2").hostModel().memory("2Gi"))
                .build();
        try (Harness h = new Harness(scenario, SETTINGS)) {
            h.startDrainPilot();
            h.awaitReady();
            HarvesterUpgradeSimulator upgrade = h.cluster.harvester();
            upgrade.startUpgrade();
            assertThat(upgrade.awaitUpgradeDone(Duration.ofSeconds(240)))
                    .isEqualTo(HarvesterUpgradeSimulator.UpgradeState.SUCCEEDED);
            assertThat(upgrade.record().stops()).isEmpty();
            Map<String, Long> moves = h.migrationsCreatedPerVmi();
            assertThat(moves).containsEntry("default/wanderer", 1L).containsEntry("default/early", 2L)
                    .containsEntry(REPO, 2L);
            assertThat(h.nodeOf("default", "wanderer")).isEqualTo("n1");
            assertThat(h.summary("n6").movedAgain()).as("early and the repo VM left n6 after n1").isEqualTo(2);
            assertThat(h.summary("n2").movedAgain()).isZero();
        }
    }

    private static io.drainpilot.sim.Scenario.NodeSpec sixNode(String name, io.drainpilot.sim.CpuProfile cpu,
            String memory, String machine) {
        return io.drainpilot.sim.Scenario.node(name, cpu).memory(memory).machine(machine)
                .roles(io.drainpilot.sim.RancherRole.ETCD, io.drainpilot.sim.RancherRole.CONTROL_PLANE,
                        io.drainpilot.sim.RancherRole.WORKER);
    }
}
