package io.drainpilot.plan;

import io.drainpilot.kubevirt.KubeVirtNames;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Toleration;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * The non-CPU rules a migration target must pass (DOMAIN.md section 5, last item), for one VMI: schedulable for
 * KubeVirt, not cordoned, Ready, not draining, no NoSchedule/NoExecute taint the VMI does not tolerate, its
 * nodeSelector and required affinity, a {@code kubernetes.io/hostname} label to steer to (when steering), and room:
 * free memory minus what is arriving there. Each violation is a short reason without the node name;
 * {@link Decision.NoCompatibleTarget} puts the name in front.
 */
public final class TargetRules {
    private final String sourceNode;
    private final PlanInputs inputs;
    private final Map<String, String> nodeSelector;
    private final Affinity affinity;
    private final List<Toleration> tolerations;
    private final OptionalLong memoryBytes;

    private TargetRules(String sourceNode, PlanInputs inputs, Map<String, String> nodeSelector, Affinity affinity,
                        List<Toleration> tolerations, OptionalLong memoryBytes) {
        this.sourceNode = sourceNode;
        this.inputs = inputs;
        this.nodeSelector = nodeSelector;
        this.affinity = affinity;
        this.tolerations = tolerations;
        this.memoryBytes = memoryBytes;
    }

    public static TargetRules forVmi(VirtualMachineInstance vmi, String sourceNode, PlanInputs inputs) {
        var spec = vmi == null ? null : vmi.getSpec();
        Map<String, String> selector = spec == null || spec.nodeSelector == null ? Map.of() : new TreeMap<>(spec.nodeSelector);
        List<Toleration> tolerations = spec == null || spec.tolerations == null ? List.of() : spec.tolerations;
        return new TargetRules(sourceNode, inputs, selector, spec == null ? null : spec.affinity, tolerations,
                VmiMemory.bytes(vmi));
    }

    /** Every rule the (named) node breaks, in a fixed order; empty when it may take the VMI. */
    public List<String> violations(Node target) {
        String name = target.getMetadata().getName();
        Map<String, String> labels = target.getMetadata().getLabels() == null ? Map.of() : target.getMetadata().getLabels();
        List<String> reasons = new ArrayList<>();
        if (name.equals(sourceNode)) {
            reasons.add("is the source node");
        }
        String schedulable = labels.get(KubeVirtNames.LABEL_SCHEDULABLE);
        if (!"true".equals(schedulable)) {
            reasons.add("not schedulable (" + KubeVirtNames.LABEL_SCHEDULABLE
                    + (schedulable == null ? " label missing)" : "=" + schedulable + ")"));
        }
        if (target.getSpec() != null && Boolean.TRUE.equals(target.getSpec().getUnschedulable())) {
            reasons.add("cordoned");
        }
        NodeTaints.notReady(target).ifPresent(reasons::add);
        if (inputs.drainingNodes().contains(name)) {
            reasons.add("draining");
        }
        reasons.addAll(NodeTaints.untolerated(target, tolerations));
        if (!nodeSelector.isEmpty()) {
            List<String> unmatched = nodeSelector.entrySet().stream()
                    .filter(e -> !Objects.equals(e.getValue(), labels.get(e.getKey())))
                    .map(e -> e.getKey() + "=" + e.getValue()).toList();
            if (!unmatched.isEmpty()) {
                reasons.add("does not match nodeSelector " + String.join(",", unmatched));
            }
        }
        NodeAffinity.mismatch(affinity, target).ifPresent(reasons::add);
        if (inputs.steering() && TargetSteering.hostnameOf(target).isEmpty()) {
            reasons.add("no " + TargetSteering.HOSTNAME_LABEL + " label to steer to");
        }
        Long room = inputs.roomBytes(name);
        if (room != null && memoryBytes.isPresent() && room < memoryBytes.getAsLong()) {
            long arriving = inputs.arrivingMemoryBytes().getOrDefault(name, 0L);
            reasons.add("not enough free memory (needs " + VmiMemory.human(memoryBytes.getAsLong()) + ", "
                    + VmiMemory.human(Math.max(0, room)) + " free"
                    + (arriving > 0 ? " after " + VmiMemory.human(arriving) + " arriving" : "") + ")");
        }
        return reasons.isEmpty() ? List.of() : List.copyOf(reasons);
    }
}
