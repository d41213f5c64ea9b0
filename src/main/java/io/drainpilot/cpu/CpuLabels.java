package io.drainpilot.cpu;

import io.fabric8.kubernetes.api.model.Node;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What KubeVirt's node labeller says about one node's CPU. Only the value {@code "true"} counts; malformed
 * labels become {@link #problems()} instead of exceptions so one odd node cannot stop a whole scan.
 */
public record CpuLabels(
        String node,
        Set<String> models,
        Set<String> migrationModels,
        Optional<String> hostModel,
        Set<String> hostModelRequiredFeatures,
        Set<String> features,
        Set<String> vendors,
        List<String> problems) {

    public static final String MODEL = "cpu-model.node.kubevirt.io/";
    public static final String MIGRATION_MODEL = "cpu-model-migration.node.kubevirt.io/";
    public static final String HOST_MODEL = "host-model-cpu.node.kubevirt.io/";
    public static final String HOST_MODEL_REQUIRED_FEATURE = "host-model-required-features.node.kubevirt.io/";
    public static final String FEATURE = "cpu-feature.node.kubevirt.io/";
    public static final String VENDOR = "cpu-vendor.node.kubevirt.io/";

    private static final List<String> PREFIXES =
            List.of(MODEL, MIGRATION_MODEL, HOST_MODEL, HOST_MODEL_REQUIRED_FEATURE, FEATURE, VENDOR);

    public CpuLabels {
        models = Set.copyOf(models);
        migrationModels = Set.copyOf(migrationModels);
        hostModelRequiredFeatures = Set.copyOf(hostModelRequiredFeatures);
        features = Set.copyOf(features);
        vendors = Set.copyOf(vendors);
        problems = List.copyOf(problems);
    }

    public static CpuLabels of(Node node) {
        String name = node == null || node.getMetadata() == null ? null : node.getMetadata().getName();
        Map<String, String> labels = node == null || node.getMetadata() == null || node.getMetadata().getLabels() == null
                ? Map.of() : node.getMetadata().getLabels();
        return parse(name == null ? "<unnamed>" : name, labels);
    }

    static CpuLabels parse(String node, Map<String, String> labels) {
        Map<String, Set<String>> byPrefix = new TreeMap<>();
        PREFIXES.forEach(p -> byPrefix.put(p, new TreeSet<>()));
        List<String> problems = new ArrayList<>();
        // sorted so problems come out in a stable order
        new TreeMap<>(labels).forEach((key, value) -> PREFIXES.stream().filter(key::startsWith).findFirst()
                .ifPresent(prefix -> {
                    String suffix = key.substring(prefix.length());
                    if (suffix.isEmpty()) {
                        problems.add(node + ": label " + key + " has no name after the slash");
                    } else if (!"true".equals(value) && !"false".equals(value)) {
                        problems.add(node + ": label " + key + "=" + value + " is neither true nor false");
                    } else if ("true".equals(value)) {
                        byPrefix.get(prefix).add(suffix);
                    }
                }));
        Set<String> hostModels = byPrefix.get(HOST_MODEL);
        if (hostModels.size() > 1) {
            problems.add(node + ": " + hostModels.size() + " host-model-cpu labels " + hostModels
                    + ", expected one; host model treated as unknown");
        }
        Optional<String> hostModel = hostModels.size() == 1 ? Optional.of(hostModels.iterator().next()) : Optional.empty();
        return new CpuLabels(node, byPrefix.get(MODEL), byPrefix.get(MIGRATION_MODEL), hostModel,
                byPrefix.get(HOST_MODEL_REQUIRED_FEATURE), byPrefix.get(FEATURE), byPrefix.get(VENDOR), problems);
    }
}
