package io.drainpilot.plan;

import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeSelector;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The scheduler's required node affinity: terms are ORed, the requirements of a term ANDed. Only
 * {@code requiredDuringSchedulingIgnoredDuringExecution} counts; preferred terms never block a target.
 */
final class NodeAffinity {
    private static final String NODE_NAME_FIELD = "metadata.name";

    private NodeAffinity() {
    }

    /** Empty when the node satisfies the affinity, else the unmet requirement of every term. */
    static Optional<String> mismatch(Affinity affinity, Node node) {
        NodeSelector required = affinity == null || affinity.getNodeAffinity() == null ? null
                : affinity.getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution();
        if (required == null) {
            return Optional.empty();
        }
        List<String> failures = new ArrayList<>();
        for (NodeSelectorTerm term : orEmpty(required.getNodeSelectorTerms())) {
            Optional<String> failure = failure(term, node);
            if (failure.isEmpty()) {
                return Optional.empty();
            }
            failures.add(failure.get());
        }
        return Optional.of("does not match required node affinity: "
                + (failures.isEmpty() ? "no nodeSelectorTerms" : String.join(" or ", failures)));
    }

    private static Optional<String> failure(NodeSelectorTerm term, Node node) {
        if (term == null || orEmpty(term.getMatchExpressions()).isEmpty() && orEmpty(term.getMatchFields()).isEmpty()) {
            return Optional.of("empty term"); // Kubernetes: an empty term matches no node
        }
        Map<String, String> labels = node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
        Map<String, String> fields = Map.of(NODE_NAME_FIELD, node.getMetadata().getName());
        return orEmpty(term.getMatchExpressions()).stream().filter(r -> !satisfied(r, labels)).findFirst()
                .or(() -> orEmpty(term.getMatchFields()).stream().filter(r -> !satisfied(r, fields)).findFirst())
                .map(NodeAffinity::describe);
    }

    private static boolean satisfied(NodeSelectorRequirement r, Map<String, String> values) {
        String value = values.get(r.getKey());
        List<String> wanted = orEmpty(r.getValues());
        return switch (String.valueOf(r.getOperator())) {
            case "In" -> value != null && wanted.contains(value);
            case "NotIn" -> value == null || !wanted.contains(value);
            case "Exists" -> value != null;
            case "DoesNotExist" -> value == null;
            case "Gt" -> compare(value, wanted).orElse(0) > 0;
            case "Lt" -> compare(value, wanted).orElse(0) < 0;
            default -> false; // an operator we do not know must not let a VM land where it may not run
        };
    }

    // Gt/Lt compare a label with exactly one integer value, as the scheduler does
    private static OptionalInt compare(String value, List<String> wanted) {
        if (value == null || wanted.size() != 1) {
            return OptionalInt.empty();
        }
        try {
            return OptionalInt.of(Long.compare(Long.parseLong(value.trim()), Long.parseLong(wanted.get(0).trim())));
        } catch (NumberFormatException e) {
            return OptionalInt.empty();
        }
    }

    private static String describe(NodeSelectorRequirement r) {
        List<String> values = orEmpty(r.getValues());
        return r.getKey() + " " + r.getOperator() + (values.isEmpty() ? "" : " " + values);
    }

    private static <T> List<T> orEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }
}
