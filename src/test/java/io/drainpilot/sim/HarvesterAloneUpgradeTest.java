package io.drainpilot.sim;

import io.drainpilot.kubevirt.KubeVirtNames;
import io.drainpilot.kubevirt.VirtualMachine;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.names.Names;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A three-node rolling upgrade with nobody but Harvester, Rancher and KubeVirt, per Harvester release. */
class HarvesterAloneUpgradeTest {
    /** KubeVirt's test settings at half the time scale and twice the bandwidth: an upgrade takes a few seconds. */
    static final SimSettings SETTINGS = new SimSettings(20, 40, 0.005, 42);
    static final Duration UPGRADE_TIMEOUT = Duration.ofSeconds(60);
    private static final String REPO = "harvester-system/" + Scenarios.UPGRADE_REPO_VM;
    private static final List<String> PLAIN = List.of("default/web-1", "default/db-1", "default/batch-1");

    @ParameterizedTest
    @ValueSource(strings = {"v1.5.2", "v1.6.1", "v1.7.0"})
    void harvesterAloneStopsWhatItsDetectorFlagsAndKubeVirtEvacuatesTheRest(String release) {
        try (SimulatedCluster cluster = SimulatedCluster.start(Scenarios.harvesterUpgrade(release), SETTINGS);
             KubernetesClient client = cluster.newClient()) {
            HarvesterUpgradeSimulator upgrade = cluster.harvester();
            upgrade.startUpgrade();
            assertThat(upgrade.awaitUpgradeDone(UPGRADE_TIMEOUT)).isEqualTo(HarvesterUpgradeSimulator.UpgradeState.SUCCEEDED);
            HarvesterRecord record = upgrade.record();

            // Rancher: the init node first, then by machine name; one node at a time
            assertThat(record.rancherOrder()).containsExactly("node-1", "node-2", "node-3");
            assertOneNodeAtATime(record);
            assertThat(upgrade.nodeStates()).containsOnlyKeys("node-1", "node-2", "node-3")
                    .allSatisfy((node, state) -> assertThat(state).isEqualTo(NodeUpgradeState.SUCCEEDED));

            // what Harvester's detector stopped, and why
            Map<String, List<StopReason>> stopped = record.stoppedVms();
            assertThat(stopped).containsEntry("default/zone-pinned", List.of(StopReason.NODE_SELECTOR))
                    .containsEntry("default/installer-iso", List.of(StopReason.CDROM_OR_CONTAINER_DISK));
            assertThat(stopped).doesNotContainKeys(PLAIN.toArray(String[]::new));
            assertThat(record.stops()).filteredOn(s -> s.key().equals("default/zone-pinned"))
                    .extracting(HarvesterRecord.StoppedVm::node).containsExactly("node-1");
            if (release.startsWith("v1.5")) {
                assertThat(stopped).as("v1.5's detector leaves the repo VM off its list").doesNotContainKey(REPO);
                assertThat(upgrade.migrationsByVm().get(REPO)).isNotEmpty()
                        .allSatisfy(m -> assertThat(m).startsWith(HarvesterNames.EVACUATION_MIGRATION_PREFIX));
            } else {
                // stopped on node-1, started elsewhere by node-1's post-drain job, stopped again on node-2
                assertThat(stopped).containsEntry(REPO, List.of(StopReason.CDROM_OR_CONTAINER_DISK));
                assertThat(record.stops()).filteredOn(s -> s.key().equals(REPO))
                        .extracting(HarvesterRecord.StoppedVm::node).containsExactly("node-1", "node-2");
                assertThat(record.restarts()).filteredOn(r -> r.key().equals(REPO))
                        .extracting(HarvesterRecord.RestartedVm::by).containsOnly(HarvesterRecord.Starter.POST_DRAIN_JOB);
                assertThat(upgrade.migrationsByVm()).doesNotContainKey(REPO);
            }
            // the upgrade repo serves again at the end; the plain VMs were live-migrated by KubeVirt, never stopped
            assertThat(running(client, REPO)).isTrue();
            PLAIN.forEach(vm -> {
                assertThat(running(client, vm)).as(vm).isTrue();
                assertThat(upgrade.migrationsByVm().get(vm)).as(vm).isNotEmpty()
                        .allSatisfy(m -> assertThat(m).startsWith(HarvesterNames.EVACUATION_MIGRATION_PREFIX));
            });
            assertThat(record.downtimes()).noneMatch(d -> PLAIN.contains(d.key()));
            // the new OS means Waiting Reboot and no restore-vm job: what the detector stopped stays stopped
            assertThat(record.restarts()).noneMatch(r -> r.by() == HarvesterRecord.Starter.RESTORE_VM_JOB);
            assertThat(running(client, "default/zone-pinned")).isFalse();
            assertThat(running(client, "default/installer-iso")).isFalse();
            assertThat(record.downtimes()).filteredOn(d -> d.key().equals("default/installer-iso")).singleElement()
                    .satisfies(d -> {
                        assertThat(d.until()).isNull();
                        assertThat(d.cause()).isEqualTo(StopReason.CDROM_OR_CONTAINER_DISK);
                    });
            assertNodesLeftClean(client);
            assertThat(record.stepTime("node-2", UpgradeStep.WAITING_REBOOT)).isPresent();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"v1.6.1", "v1.7.0"})
    void withRestoreVmAndNoNewOsImageTheRestoreJobStartsEveryStoppedVmAgain(String release) {
        HarvesterSpec spec = HarvesterSpec.of(release).restoreVm(true).osImageChanges(false);
        try (SimulatedCluster cluster = SimulatedCluster.start(Scenarios.harvesterUpgradeCluster(spec).build(),
                SETTINGS);
             KubernetesClient client = cluster.newClient()) {
            HarvesterUpgradeSimulator upgrade = cluster.harvester();
            upgrade.startUpgrade();
            assertThat(upgrade.awaitUpgradeDone(UPGRADE_TIMEOUT)).isEqualTo(HarvesterUpgradeSimulator.UpgradeState.SUCCEEDED);
            HarvesterRecord record = upgrade.record();

            assertThat(record.stepTime("node-1", UpgradeStep.WAITING_REBOOT)).isEmpty();
            assertThat(record.restarts()).filteredOn(r -> r.by() == HarvesterRecord.Starter.RESTORE_VM_JOB)
                    .extracting(HarvesterRecord.RestartedVm::key)
                    .contains("default/zone-pinned", "default/installer-iso").doesNotContain(REPO);
            // everything runs again at the end, and every downtime has ended
            client.resources(VirtualMachine.class).inAnyNamespace().list().getItems()
                    .forEach(vm -> assertThat(running(client, ClusterView.key(vm))).as(ClusterView.key(vm)).isTrue());
            assertThat(record.downtimes()).isNotEmpty().allSatisfy(d -> assertThat(d.until()).isNotNull());
            assertThat(record.downtimes()).extracting(HarvesterRecord.Downtime::key)
                    .contains("default/zone-pinned", "default/installer-iso", REPO);
            assertNodesLeftClean(client);
        }
    }

    @Test
    void theWebhookRefusesAnUpgradeWhileNonMigratableVmsRunUnlessRestoreVmIsOn() {
        try (SimulatedCluster cluster = SimulatedCluster.start(
                Scenarios.harvesterUpgradeCluster(HarvesterSpec.of("v1.6.1")).build(), SETTINGS)) {
            assertThatThrownBy(() -> cluster.harvester().startUpgrade())
                    .isInstanceOf(HarvesterUpgradeSimulator.UpgradeRefusedException.class)
                    .hasMessageContaining("There are non-live migratable VMs that need to be shut off before initiating"
                            + " the upgrade: default/zone-pinned, default/installer-iso");
            assertThat(cluster.harvester().upgrade()).isNull();
        }
        // v1.5 refuses even with restoreVM on
        try (SimulatedCluster cluster = SimulatedCluster.start(
                Scenarios.harvesterUpgradeCluster(HarvesterSpec.of("v1.5.2").restoreVm(true)).build(), SETTINGS)) {
            assertThatThrownBy(() -> cluster.harvester().startUpgrade())
                    .isInstanceOf(HarvesterUpgradeSimulator.UpgradeRefusedException.class);
        }
    }

    /** Each node's Rancher flow ends before the next one's begins, and steps come in Rancher's order. */
    static void assertOneNodeAtATime(HarvesterRecord record) {
        List<String> order = record.rancherOrder();
        for (int i = 0; i < order.size(); i++) {
            String node = order.get(i);
            Instant cordoned = record.stepTime(node, UpgradeStep.CORDONED).orElseThrow();
            Instant preDrain = record.stepTime(node, UpgradeStep.PRE_DRAIN_REQUESTED).orElseThrow();
            Instant drained = record.stepTime(node, UpgradeStep.DRAINED).orElseThrow();
            Instant postDrain = record.stepTime(node, UpgradeStep.POST_DRAIN_REQUESTED).orElseThrow();
            Instant uncordoned = record.stepTime(node, UpgradeStep.UNCORDONED).orElseThrow();
            Instant cleaned = record.stepTime(node, UpgradeStep.HOOK_ANNOTATIONS_REMOVED).orElseThrow();
            assertThat(List.of(cordoned, preDrain, drained, postDrain, uncordoned, cleaned)).isSorted();
            assertThat(record.stepTime(node, UpgradeStep.PRE_DRAINED).orElseThrow()).isBefore(drained);
            assertThat(record.stepTime(node, UpgradeStep.SUCCEEDED).orElseThrow()).isBefore(uncordoned);
            if (i > 0) {
                assertThat(record.stepTime(order.get(i - 1), UpgradeStep.HOOK_ANNOTATIONS_REMOVED).orElseThrow())
                        .isBeforeOrEqualTo(record.stepTime(node, UpgradeStep.DRAIN_OPTIONS_SET).orElseThrow());
            }
        }
    }

    /** Uncordoned, untainted, and no drain or hook annotation left on any plan Secret. */
    static void assertNodesLeftClean(KubernetesClient client) {
        for (Node n : client.nodes().list().getItems()) {
            assertThat(n.getSpec().getUnschedulable()).as(n.getMetadata().getName()).isNotEqualTo(Boolean.TRUE);
            assertThat(n.getSpec().getTaints()).noneMatch(t -> KubeVirtNames.TAINT_DRAIN.equals(t.getKey()));
        }
        for (Secret s : client.secrets().inNamespace(Names.RANCHER_PLAN_NAMESPACE).list().getItems()) {
            Map<String, String> a = s.getMetadata().getAnnotations() == null ? Map.of() : s.getMetadata().getAnnotations();
            assertThat(a).as(s.getMetadata().getName()).doesNotContainKeys(HarvesterNames.RANCHER_PRE_DRAIN,
                    HarvesterNames.RANCHER_POST_DRAIN, HarvesterNames.RANCHER_DRAIN_OPTIONS,
                    HarvesterNames.RANCHER_DRAIN_DONE, HarvesterNames.RANCHER_UNCORDON, HarvesterNames.PRE_HOOK,
                    HarvesterNames.POST_HOOK, Names.PRE_HOOK);
        }
    }

    static boolean running(KubernetesClient client, String key) {
        String[] parts = key.split("/");
        VirtualMachineInstance vmi = client.resources(VirtualMachineInstance.class).inNamespace(parts[0])
                .withName(parts[1]).get();
        return vmi != null && "Running".equals(vmi.phase());
    }
}
