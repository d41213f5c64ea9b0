package io.drainpilot.plan;

import io.drainpilot.cpu.TestNodes;
import io.drainpilot.cpu.TestVmis;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.names.Names;
import io.fabric8.kubernetes.api.model.Node;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static io.drainpilot.plan.TestAffinity.expr;
import static io.drainpilot.plan.TestAffinity.required;
import static io.drainpilot.plan.TestAffinity.term;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** Harvester's detector criteria per release: which VMs its pre-drain job would stop, and why (first match wins). */
class HarvesterRiskTest {
    private static final List<Node> THREE = List.of(node("node-1").skylake().build(), node("node-2").skylake().build(),
            node("node-3").epyc().build());
    private static final List<Node> ONE_AND_A_WITNESS = List.of(node("node-1").skylake().build(),
            node("witness").label(HarvesterRisk.WITNESS, "true").build());

    static Stream<Arguments> rows() {
        return Stream.of(
                arguments("a plain VM", 7, THREE, plain(), null),
                arguments("a nodeSelector", 7, THREE, TestVmis.vmi("a").on("node-1").nodeSelector(Map.of("zone", "a")).build(),
                        "it has a nodeSelector"),
                arguments("a host device", 6, THREE, withDevice("hostDevices"), "it has a host device"),
                arguments("a CD-ROM", 7, THREE, withDisk("cdrom"), "it has a CD-ROM"),
                arguments("a container disk", 6, THREE, withVolume("containerDisk"), "it has a container disk"),
                arguments("required affinity only its own node matches", 7, THREE, TestVmis.vmi("a").on("node-1")
                        .affinity(required(term(expr("kubernetes.io/hostname", "In", "node-1")))).build(),
                        "no other schedulable node matches its required node affinity"),
                arguments("required affinity another node matches", 7, THREE, TestVmis.vmi("a").on("node-1")
                        .affinity(required(term(expr("kubernetes.io/hostname", "In", "node-1", "node-2")))).build(), null),
                arguments("required affinity matched only by a cordoned node", 7,
                        List.of(node("node-1").build(), node("node-2").cordoned().build()),
                        TestVmis.vmi("a").on("node-1").affinity(required(term(expr("kubernetes.io/hostname", "In",
                                "node-1", "node-2")))).build(),
                        "no other schedulable node matches its required node affinity"),
                arguments("v1.6: one node besides the witness stops every VM", 6, ONE_AND_A_WITNESS, plain(),
                        "one node: every VM is stopped"),
                arguments("v1.5: one node, a plain VM", 5, List.of(node("node-1").build()), plain(), null),
                arguments("v1.5: the upgrade-repo VM is never listed", 5, THREE, repoWithCdrom(), null),
                arguments("v1.6: the upgrade-repo VM with its CD-ROM", 6, THREE, repoWithCdrom(), "it has a CD-ROM"),
                arguments("unknown release: the CD-ROM rule still applies", -1, THREE, repoWithCdrom(), "it has a CD-ROM"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void stopReason(String name, int minor, List<Node> nodes, VirtualMachineInstance vmi, String expected) {
        assertThat(HarvesterRisk.stopReason(vmi, minor, nodes)).isEqualTo(Optional.ofNullable(expected));
    }

    private static TestNodes node(String name) {
        return TestNodes.node(name).label("kubernetes.io/hostname", name);
    }

    private static VirtualMachineInstance plain() {
        return TestVmis.vmi("a").on("node-1").build();
    }

    private static VirtualMachineInstance withDevice(String kind) {
        VirtualMachineInstance v = plain();
        v.getSpec().domain.unknownField("devices", Map.of(kind, List.of(Map.of("name", "gpu", "deviceName", "x"))));
        return v;
    }

    private static VirtualMachineInstance withDisk(String kind) {
        VirtualMachineInstance v = plain();
        v.getSpec().domain.unknownField("devices", Map.of("disks", List.of(Map.of("name", "iso", kind, Map.of("bus", "sata")))));
        return v;
    }

    private static VirtualMachineInstance withVolume(String kind) {
        VirtualMachineInstance v = plain();
        v.getSpec().unknownField("volumes", List.of(Map.of("name", "root", kind, Map.of("image", "x"))));
        return v;
    }

    private static VirtualMachineInstance repoWithCdrom() {
        VirtualMachineInstance v = TestVmis.vmi("upgrade-repo").on("node-1").label(Names.HARVESTER_UPGRADE, "hvst-upgrade").build();
        v.getSpec().domain.unknownField("devices", Map.of("disks", List.of(Map.of("name", "iso", "cdrom", Map.of("bus", "sata")))));
        return v;
    }
}
