package io.drainpilot.plan;

import io.drainpilot.kubevirt.KubeVirt;

import java.util.Optional;

/**
 * Whether KubeVirt keeps a migration on the source node's CPU vendor: from 1.8 its target pod gets the source's
 * {@code cpu-vendor.node.kubevirt.io/<V>} selector. A version that cannot be read (no KubeVirt CR, or an odd string)
 * counts as 1.8: refusing a node of the other vendor costs at most a target, sending a VM there on 1.8 leaves its
 * migration Pending until it fails.
 */
public final class CpuVendorRule {

    private CpuVendorRule() {
    }

    public static boolean applies(Optional<KubeVirt> kubeVirt) {
        return applies(kubeVirt.map(KubeVirt::getStatus).map(s -> s.observedKubeVirtVersion).orElse(null));
    }

    static boolean applies(String version) {
        return ReleaseVersion.parse(version).map(v -> v.atLeast(1, 8)).orElse(true);
    }
}
