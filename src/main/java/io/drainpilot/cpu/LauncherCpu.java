package io.drainpilot.cpu;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The CPU node selectors of a VMI's running virt-launcher pod that KubeVirt carries to a host-model VMI's next
 * migration target (its {@code prepareNodeSelectorForHostCpuModel}): every {@code cpu-model-migration.*} and
 * {@code cpu-feature.*} key. Once a host-model VMI has migrated, these name the CPU of the node it first left, and they
 * replace the current node's host-model labels as the rule for every later target. A host-model VMI that asked for
 * CPU features has {@code cpu-feature.*} selectors from its start, and KubeVirt then never adds a host model: the
 * rule is the same, "what the pod has".
 *
 * @param migrationModels the {@code cpu-model-migration.*} models the pod requires
 * @param features        the {@code cpu-feature.*} features the pod requires
 * @param known           false when the pod could not be read: the current node's labels are all there is
 */
public record LauncherCpu(Set<String> migrationModels, Set<String> features, boolean known) {

    /** The pod is not known: plan with the node's labels, as for a VMI that never migrated. */
    public static final LauncherCpu UNKNOWN = new LauncherCpu(Set.of(), Set.of(), false);

    public LauncherCpu {
        migrationModels = Set.copyOf(migrationModels);
        features = Set.copyOf(features);
    }

    /**
     * From the pod's {@code spec.nodeSelector}. Only the value {@code "true"} is read (the only one KubeVirt writes);
     * a selector with another value would be matched by no node labeller label DrainPilot reads.
     */
    public static LauncherCpu of(Map<String, String> podNodeSelector) {
        Set<String> models = new TreeSet<>();
        Set<String> features = new TreeSet<>();
        if (podNodeSelector != null) {
            podNodeSelector.forEach((key, value) -> {
                if (key.startsWith(CpuLabels.MIGRATION_MODEL) && "true".equals(value)) {
                    models.add(key.substring(CpuLabels.MIGRATION_MODEL.length()));
                } else if (key.startsWith(CpuLabels.FEATURE) && "true".equals(value)) {
                    features.add(key.substring(CpuLabels.FEATURE.length()));
                }
            });
        }
        return new LauncherCpu(models, features, true);
    }

    /** True when the pod carries CPU selectors KubeVirt keeps: they, not the node's labels, decide host-model targets. */
    public boolean keepsSelectors() {
        return !migrationModels.isEmpty() || !features.isEmpty();
    }
}
