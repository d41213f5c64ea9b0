package io.drainpilot.plan;

import io.drainpilot.kubevirt.KubeVirt;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether a VMIM may name its target ({@code spec.addedNodeSelector}, KubeVirt 1.6+). Older API servers
 * silently prune the field, so "auto" trusts only the KubeVirt version the cluster reports.
 */
public final class TargetSteering {
    public static final String HOSTNAME_LABEL = "kubernetes.io/hostname";
    private static final Pattern VERSION = Pattern.compile("v?(\\d+)\\.(\\d+).*");

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

    static boolean supportsAddedNodeSelector(String version) {
        Matcher m = VERSION.matcher(version.trim());
        if (!m.matches()) {
            return false;
        }
        int major = Integer.parseInt(m.group(1));
        int minor = Integer.parseInt(m.group(2));
        return major > 1 || (major == 1 && minor >= 6);
    }
}
