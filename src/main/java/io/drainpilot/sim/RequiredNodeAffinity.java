package io.drainpilot.sim;

import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;

import java.util.List;
import java.util.Map;

/**
 * A VMI's required node affinity as Kubernetes matches it (component-helpers' MatchNodeSelectorTerms), for the
 * simulated scheduler and Harvester's detector: terms are ORed, the expressions of a term ANDed, an empty term
 * matches nothing. Written apart from DrainPilot's own rules on purpose: the simulator must not share its mistakes.
 * Simplification: {@code matchFields} are not read (no scenario uses them).
 */
final class RequiredNodeAffinity {
    private RequiredNodeAffinity() {
    }

    /** The required terms, or null when the VMI has no required node affinity (every node matches). */
    static List<NodeSelectorTerm> terms(VirtualMachineInstance vmi) {
        var affinity = vmi.getSpec() == null ? null : vmi.getSpec().affinity;
        if (affinity == null || affinity.getNodeAffinity() == null
                || affinity.getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution() == null) {
            return null;
        }
        List<NodeSelectorTerm> terms = affinity.getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution()
                .getNodeSelectorTerms();
        return terms == null ? List.of() : terms;
    }

    /** Whether a node with these labels satisfies the VMI's required node affinity. */
    static boolean allows(VirtualMachineInstance vmi, Map<String, String> labels) {
        List<NodeSelectorTerm> terms = terms(vmi);
        return terms == null || matchesAnyTerm(terms, labels);
    }

    static boolean matchesAnyTerm(List<NodeSelectorTerm> terms, Map<String, String> labels) {
        for (NodeSelectorTerm term : terms) {
            List<NodeSelectorRequirement> expressions = term.getMatchExpressions();
            if (expressions == null || expressions.isEmpty()) {
                continue;
            }
            if (expressions.stream().allMatch(r -> matches(r, labels))) {
                return true;
            }
        }
        return false;
    }

    private static boolean matches(NodeSelectorRequirement r, Map<String, String> labels) {
        String value = labels.get(r.getKey());
        List<String> values = r.getValues() == null ? List.of() : r.getValues();
        return switch (String.valueOf(r.getOperator())) {
            case "In" -> value != null && values.contains(value);
            case "NotIn" -> value == null || !values.contains(value);
            case "Exists" -> value != null;
            case "DoesNotExist" -> value == null;
            case "Gt" -> value != null && values.size() == 1 && Long.parseLong(value) > Long.parseLong(values.get(0));
            case "Lt" -> value != null && values.size() == 1 && Long.parseLong(value) < Long.parseLong(values.get(0));
            default -> false;
        };
    }
}
