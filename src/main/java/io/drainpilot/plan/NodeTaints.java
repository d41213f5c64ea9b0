package io.drainpilot.plan;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Whether a node would take a new pod at all: its Ready condition, and its NoSchedule/NoExecute taints against a
 * pod's tolerations, with Kubernetes' rules. Pure.
 */
public final class NodeTaints {
    private NodeTaints() {
    }

    /** Empty when the node's Ready condition is True; else why not ("not Ready", "not Ready (no Ready condition)"). */
    public static Optional<String> notReady(Node node) {
        List<NodeCondition> conditions = node.getStatus() == null || node.getStatus().getConditions() == null
                ? List.of() : node.getStatus().getConditions();
        Optional<String> ready = conditions.stream().filter(c -> c != null && "Ready".equals(c.getType()))
                .map(NodeCondition::getStatus).findFirst();
        if (ready.isEmpty()) {
            return Optional.of("not Ready (no Ready condition)");
        }
        if ("True".equals(ready.get())) {
            return Optional.empty();
        }
        return Optional.of("False".equals(ready.get()) ? "not Ready" : "not Ready (Ready=" + ready.get() + ")");
    }

    public static boolean ready(Node node) {
        return notReady(node).isEmpty();
    }

    /**
     * The node's NoSchedule and NoExecute taints none of {@code tolerations} tolerates, each as
     * "taint key=value:Effect not tolerated"; PreferNoSchedule taints never count.
     */
    public static List<String> untolerated(Node node, List<Toleration> tolerations) {
        List<Taint> taints = node.getSpec() == null || node.getSpec().getTaints() == null ? List.of()
                : node.getSpec().getTaints();
        List<Toleration> tols = tolerations == null ? List.of() : tolerations.stream().filter(Objects::nonNull).toList();
        return taints.stream().filter(Objects::nonNull)
                .filter(t -> "NoSchedule".equals(t.getEffect()) || "NoExecute".equals(t.getEffect()))
                .filter(t -> tols.stream().noneMatch(tol -> tolerates(tol, t)))
                .map(t -> "taint " + describe(t) + " not tolerated").toList();
    }

    /** Kubernetes' {@code Toleration.ToleratesTaint}: empty effect matches all, empty key with Exists matches all. */
    public static boolean tolerates(Toleration toleration, Taint taint) {
        String effect = toleration.getEffect();
        if (effect != null && !effect.isEmpty() && !effect.equals(taint.getEffect())) {
            return false;
        }
        String key = toleration.getKey();
        if (key != null && !key.isEmpty() && !key.equals(taint.getKey())) {
            return false;
        }
        String operator = toleration.getOperator() == null ? "" : toleration.getOperator();
        return switch (operator) {
            case "Exists" -> true;
            case "", "Equal" -> Objects.toString(toleration.getValue(), "").equals(Objects.toString(taint.getValue(), ""));
            default -> false;
        };
    }

    private static String describe(Taint t) {
        String value = t.getValue() == null || t.getValue().isEmpty() ? "" : "=" + t.getValue();
        return t.getKey() + value + ":" + t.getEffect();
    }
}
