package io.drainpilot.sim;

import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The detector's criteria per Harvester release, as its sources state them. */
class LiveMigrateDetectorTest {
    private static final List<Node> THREE = List.of(node("node-1", false), node("node-2", false), node("node-3", false));

    @ParameterizedTest
    @ValueSource(strings = {"v1.5.2", "v1.6.1", "v1.7.3"})
    void criteriaCommonToEveryRelease(String release) {
        HarvesterVersion v = HarvesterVersion.parse(release);
        assertThat(reasons(v, THREE, Scenario.vm("d", "plain").hostModel())).isEmpty();
        assertThat(reasons(v, THREE, Scenario.vm("d", "pinned").nodeSelector("zone", "a")))
                .containsExactly(StopReason.NODE_SELECTOR);
        assertThat(reasons(v, THREE, Scenario.vm("d", "nic").hostDevice("nic1", "intel.com/X710")))
                .containsExactly(StopReason.HOST_DEVICE);
        assertThat(reasons(v, THREE, Scenario.vm("d", "gpu").gpu("gpu1", "nvidia.com/A2")))
                .as("GPUs are not among the detector's criteria").isEmpty();
        assertThat(reasons(v, THREE, Scenario.vm("d", "iso").pvcDisk("root", "root-pvc").cdrom("iso", "sata", "iso-pvc")))
                .containsExactly(StopReason.CDROM_OR_CONTAINER_DISK);
        assertThat(reasons(v, THREE, Scenario.vm("d", "cd").containerDisk("root", "quay.io/containerdisks/fedora")))
                .containsExactly(StopReason.CDROM_OR_CONTAINER_DISK);
        assertThat(reasons(v, THREE, Scenario.vm("d", "stuck")
                .requiredNodeAffinity("kubernetes.io/hostname", "In", "node-1")))
                .containsExactly(StopReason.NODE_AFFINITY);
        assertThat(reasons(v, THREE, Scenario.vm("d", "zone")
                .requiredNodeAffinity("kubernetes.io/hostname", "In", "node-1", "node-2")))
                .isEmpty();
        // the only other matching node is cordoned
        List<Node> node2Cordoned = List.of(node("node-1", false), node("node-2", true), node("node-3", false));
        assertThat(reasons(v, node2Cordoned, Scenario.vm("d", "zone")
                .requiredNodeAffinity("kubernetes.io/hostname", "In", "node-1", "node-2")))
                .containsExactly(StopReason.NODE_AFFINITY);
        // first match wins
        assertThat(reasons(v, THREE, Scenario.vm("d", "both").nodeSelector("zone", "a").cdrom("iso", "sata", "p")))
                .containsExactly(StopReason.NODE_SELECTOR);
    }

    @Test
    void onlyV15LeavesTheRepoVmOffItsList() {
        Scenario.VmSpec repo = Scenarios.harvesterRepoVm(Scenarios.UPGRADE, "node-1", Scenario.CpuMode.HOST_PASSTHROUGH);
        assertThat(reasons(HarvesterVersion.parse("v1.5.2"), THREE, repo)).isEmpty();
        assertThat(reasons(HarvesterVersion.parse("v1.6.1"), THREE, repo)).containsExactly(StopReason.CDROM_OR_CONTAINER_DISK);
        assertThat(reasons(HarvesterVersion.parse("v1.7.0"), THREE, repo)).containsExactly(StopReason.CDROM_OR_CONTAINER_DISK);
    }

    @Test
    void oneNodeStopsNothingOnV15AndEverythingLater() {
        List<Node> one = List.of(node("node-1", false));
        Scenario.VmSpec plain = Scenario.vm("d", "plain").hostModel();
        assertThat(reasons(HarvesterVersion.parse("v1.5.2"), one, plain)).isEmpty();
        assertThat(reasons(HarvesterVersion.parse("v1.6.1"), one, plain)).containsExactly(StopReason.SINGLE_NODE);

        // a witness node is no place for a VM from v1.6 on; v1.5 still counts it as a node
        Node witness = new NodeBuilder(node("witness", false)).editMetadata()
                .addToLabels(HarvesterNames.WITNESS_NODE_LABEL, "true").endMetadata().build();
        List<Node> withWitness = List.of(node("node-1", false), witness);
        assertThat(reasons(HarvesterVersion.parse("v1.6.1"), withWitness, plain)).containsExactly(StopReason.SINGLE_NODE);
        assertThat(reasons(HarvesterVersion.parse("v1.5.2"), withWitness, plain)).isEmpty();
    }

    private static List<StopReason> reasons(HarvesterVersion v, List<Node> nodes, Scenario.VmSpec spec) {
        VirtualMachineInstance vmi = VmiFactory.runningVmi(VmiFactory.virtualMachine(spec.on("node-1")), "node-1");
        List<VirtualMachineInstance> listed = LiveMigrateDetector.listed(v, List.of(vmi), "node-1");
        return LiveMigrateDetector.nonLiveMigratable(v, listed, nodes).stream()
                .map(LiveMigrateDetector.Finding::reason).toList();
    }

    private static Node node(String name, boolean cordoned) {
        return new NodeBuilder().withNewMetadata().withName(name)
                .withLabels(Map.of("kubernetes.io/hostname", name)).endMetadata()
                .withNewSpec().withUnschedulable(cordoned ? Boolean.TRUE : null).endSpec().build();
    }
}
