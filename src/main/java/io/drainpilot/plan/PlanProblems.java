package io.drainpilot.plan;

import io.drainpilot.cpu.CpuLabels;
import io.drainpilot.cpu.CpuRequirement;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.fabric8.kubernetes.api.model.Node;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Odd input worth a warning (log or Event), each naming its object; never thrown, planning goes on. */
public final class PlanProblems {

    private PlanProblems() {
    }

    public static List<String> forVmi(VirtualMachineInstance vmi) {
        String name = VmiName.of(vmi);
        List<String> problems = new ArrayList<>();
        if (vmi == null || vmi.nodeName().isEmpty()) {
            problems.add("VMI " + name + ": no status.nodeName, so its source node is unknown");
        }
        if (CpuRequirement.of(vmi).noCpuSection()) {
            problems.add("VMI " + name + ": no spec.domain.cpu.model, KubeVirt's default host-model applies and may"
                    + " block migration between CPU generations");
        }
        return List.copyOf(problems);
    }

    /** The malformed node-labeller labels of every node. */
    public static List<String> forNodes(List<Node> nodes) {
        return nodes == null ? List.of()
                : nodes.stream().filter(Objects::nonNull).flatMap(n -> CpuLabels.of(n).problems().stream()).toList();
    }
}
