package io.drainpilot.plan;

import io.drainpilot.kubevirt.KubeVirt;

import java.util.Optional;

/**
 * Whether KubeVirt serves the {@code evacuate/cancel} subresource (1.7 and later), through which a cancelled drain also
 * stops KubeVirt's own evacuation of the node's VMIs. A version that cannot be read counts as older: the call would
 * only answer 404 there, and a cancel never needs it to stop DrainPilot's own migrations.
 */
public final class EvacuationCancel {

    private EvacuationCancel() {
    }

    public static boolean served(Optional<KubeVirt> kubeVirt) {
        return served(kubeVirt.map(KubeVirt::getStatus).map(s -> s.observedKubeVirtVersion).orElse(null));
    }

    static boolean served(String version) {
        return ReleaseVersion.parse(version).map(v -> v.atLeast(1, 7)).orElse(false);
    }
}
