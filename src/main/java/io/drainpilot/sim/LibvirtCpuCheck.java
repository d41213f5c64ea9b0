package io.drainpilot.sim;

import io.fabric8.kubernetes.api.model.Node;

import java.util.List;
import java.util.Optional;

/**
 * What libvirt on the target says about a host-passthrough guest: the guest sees the source's exact CPU, so
 * a target with another host model or fewer features cannot run it and the migration fails once it runs.
 */
final class LibvirtCpuCheck {
    private LibvirtCpuCheck() {
    }

    /** @return libvirt's error, or empty when the target can take the guest CPU */
    static Optional<String> hostPassthroughMismatch(Node source, Node target) {
        List<String> sourceFeatures = TargetScheduler.withPrefix(TargetScheduler.labels(source), CpuProfile.CPU_FEATURE);
        List<String> targetFeatures = TargetScheduler.withPrefix(TargetScheduler.labels(target), CpuProfile.CPU_FEATURE);
        List<String> missing = sourceFeatures.stream().filter(f -> !targetFeatures.contains(f)).toList();
        if (!missing.isEmpty()) {
            return Optional.of("operation failed: guest CPU doesn't match specification: missing features: "
                    + String.join(",", missing));
        }
        List<String> sourceModel = TargetScheduler.withPrefix(TargetScheduler.labels(source), CpuProfile.HOST_MODEL_CPU);
        List<String> targetModel = TargetScheduler.withPrefix(TargetScheduler.labels(target), CpuProfile.HOST_MODEL_CPU);
        if (!sourceModel.equals(targetModel)) {
            return Optional.of("operation failed: guest CPU doesn't match specification: host CPU model "
                    + String.join(",", targetModel) + " is not the source's " + String.join(",", sourceModel));
        }
        return Optional.empty();
    }
}
