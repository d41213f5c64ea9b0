package io.drainpilot.plan;

import io.drainpilot.cpu.CpuLabels;
import io.drainpilot.cpu.TestNodes;
import io.drainpilot.cpu.TestVmis;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.fabric8.kubernetes.api.model.Node;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class PlanProblemsTest {
    private static final String NO_CPU = "VMI default/vm: no spec.domain.cpu.model, KubeVirt's default host-model"
            + " applies and may block migration between CPU generations";

    static Stream<Arguments> vmis() {
        return Stream.of(
                arguments("fine", TestVmis.vmi("vm").on("node-1").cpu("host-model").build(), List.of()),
                arguments("no cpu section", TestVmis.vmi("vm").on("node-1").build(), List.of(NO_CPU)),
                arguments("no node", TestVmis.vmi("vm").cpu("host-model").build(),
                        List.of("VMI default/vm: no status.nodeName, so its source node is unknown")),
                arguments("empty object", new VirtualMachineInstance(), List.of(
                        "VMI <unnamed VMI>: no status.nodeName, so its source node is unknown",
                        "VMI <unnamed VMI>: no spec.domain.cpu.model, KubeVirt's default host-model applies and may"
                                + " block migration between CPU generations")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vmis")
    void forVmi(String name, VirtualMachineInstance vmi, List<String> expected) {
        assertThat(PlanProblems.forVmi(vmi)).containsExactlyElementsOf(expected);
    }

    @Test
    void forNodesCollectsMalformedLabelsOfEveryNode() {
        List<Node> nodes = Arrays.asList(
                TestNodes.node("node-1").skylake().label(CpuLabels.HOST_MODEL + "Other", "true").build(),
                null,
                TestNodes.node("node-2").label(CpuLabels.VENDOR, "true").build());

        assertThat(PlanProblems.forNodes(nodes)).containsExactly(
                "node-1: 2 host-model-cpu labels [Other, Skylake-Client-IBRS], expected one; host model treated as unknown",
                "node-2: label cpu-vendor.node.kubevirt.io/ has no name after the slash");
    }
}
