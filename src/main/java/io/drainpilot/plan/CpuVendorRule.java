package io.drainpilot.plan;

import io.drainpilot.kubevirt.KubeVirt;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether KubeVirt keeps a migration on the source node's CPU vendor: from 1.8 its target pod gets the source's
 * {@code cpu-vendor.node.kubevirt.io/<V>} selector. A version that cannot be read (no KubeVirt CR, or an odd string)
 * counts as 1.8: refusing a node of the other vendor costs at most a target, sending a VM there on 1.8 leaves its
 * migration Pending until it fails.
 */
public final class CpuVendorRule {
    private static final Pattern VERSION = Pattern.compile("v?(\\d+)\\.(\\d+).*");

    private CpuVendorRule() {
    }

    public static boolean applies(Optional<KubeVirt> kubeVirt) {
        return applies(kubeVirt.map(KubeVirt::getStatus).map(s -> s.observedKubeVirtVersion).orElse(null));
    }

    static boolean applies(String version) {
        Matcher m = version == null ? null : VERSION.matcher(version.trim());
        if (m == null || !m.matches()) {
            return true;
        }
        int major = Integer.parseInt(m.group(1));
        int minor = Integer.parseInt(m.group(2));
        return major > 1 || (major == 1 && minor >= 8);
    }
}
