package io.drainpilot.plan;

import io.drainpilot.kubevirt.KubeVirt;
import io.fabric8.kubernetes.api.model.Node;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Whether a VMIM may name its target ({@code spec.addedNodeSelector}, KubeVirt 1.6+), and how: by the target's own
 * {@code kubernetes.io/hostname} label value, which the target pod's nodeSelector is matched against (it usually
 * equals the node name but need not). Older API servers silently prune the field, so "auto" trusts only the KubeVirt
 * version the cluster reports.
 */
public final class TargetSteering {
    public static final String HOSTNAME_LABEL = "kubernetes.io/hostname";

    private TargetSteering() {
    }

    public static boolean enabled(String mode, Optional<KubeVirt> kubeVirt) {
        return switch (mode) {
            case "on" -> true;
            case "off" -> false;
            default -> kubeVirt.map(KubeVirt::getStatus).map(s -> s.observedKubeVirtVersion)
                    .map(TargetSteering::supportsAddedNodeSelector).orElse(false);
        };
    }

    /** The node's {@code kubernetes.io/hostname} label value, empty when it has none. */
    public static Optional<String> hostnameOf(Node node) {
        Map<String, String> labels = node == null || node.getMetadata() == null ? null : node.getMetadata().getLabels();
        String value = labels == null ? null : labels.get(HOSTNAME_LABEL);
        return value == null || value.isEmpty() ? Optional.empty() : Optional.of(value);
    }

    /** The addedNodeSelector that steers a migration to {@code target}: its hostname label, else its name. */
    public static Map<String, String> selectorFor(String targetName, Optional<Node> target) {
        return Map.of(HOSTNAME_LABEL, target.flatMap(TargetSteering::hostnameOf).orElse(targetName));
    }

    /** Hostname label value -> node name, to read back which node a steered migration names. */
    public static Map<String, String> nodesByHostname(Collection<Node> nodes) {
        Map<String, String> out = new HashMap<>();
        for (Node n : nodes) {
            if (n != null && n.getMetadata() != null && n.getMetadata().getName() != null) {
                hostnameOf(n).ifPresent(h -> out.putIfAbsent(h, n.getMetadata().getName()));
            }
        }
        return out;
    }

    static boolean supportsAddedNodeSelector(String version) {
        return ReleaseVersion.parse(version).map(v -> v.atLeast(1, 6)).orElse(false);
    }
}
