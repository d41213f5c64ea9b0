package io.drainpilot.cpu;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * KubeVirt's CPU rules for a migration target (DOMAIN.md section 5), as pure functions. Every reason names
 * the node label that is missing, so an operator can compare it with {@code kubectl get node --show-labels}.
 */
public final class CpuCompatibility {

    /**
     * Named models from oldest to newest, Intel and AMD lines each in release order. Labels carry no feature
     * count per model, so "newest" comes from this list; models not listed rank below all listed ones.
     */
    static final List<String> MODEL_AGE = List.of(
            "Opteron_G3", "Opteron_G4", "Opteron_G5",
            "Nehalem", "Nehalem-IBRS", "Westmere", "Westmere-IBRS",
            "SandyBridge", "SandyBridge-IBRS", "IvyBridge", "IvyBridge-IBRS",
            "Haswell-noTSX", "Haswell-noTSX-IBRS", "Haswell", "Haswell-IBRS",
            "Broadwell-noTSX", "Broadwell-noTSX-IBRS", "Broadwell", "Broadwell-IBRS",
            "Skylake-Client", "Skylake-Client-noTSX-IBRS", "Skylake-Client-IBRS",
            "Skylake-Server", "Skylake-Server-noTSX-IBRS", "Skylake-Server-IBRS",
            "Cascadelake-Server-noTSX", "Cascadelake-Server",
            "Icelake-Client-noTSX", "Icelake-Client", "Icelake-Server-noTSX", "Icelake-Server",
            "Cooperlake", "SapphireRapids", "GraniteRapids",
            "EPYC", "EPYC-IBPB", "EPYC-Rome", "EPYC-Milan", "EPYC-Genoa");

    private CpuCompatibility() {
    }

    /** Why a VMI cannot leave its source node at all, whatever the target; empty when it can. */
    public static Optional<String> sourceProblem(CpuRequirement cpu, CpuLabels source) {
        return sourceProblem(cpu, LauncherCpu.UNKNOWN, source);
    }

    /**
     * As above, for a VMI whose virt-launcher pod is {@code pod}: a host-model VMI whose pod keeps CPU selectors needs no
     * host-model label on its current node (KubeVirt reads the pod, not the node).
     */
    public static Optional<String> sourceProblem(CpuRequirement cpu, LauncherCpu pod, CpuLabels source) {
        if (cpu.mode() == CpuMode.NAMED || source.hostModel().isPresent()
                || (cpu.mode() == CpuMode.HOST_MODEL && pod.keepsSelectors())) {
            return Optional.empty();
        }
        return Optional.of("source " + source.node() + " has no " + CpuLabels.HOST_MODEL + "<model> label, so "
                + cpu.describe() + " targets cannot be determined");
    }

    /** Why {@code target} cannot take the VMI from {@code source}; empty when its CPU fits. */
    public static Optional<String> incompatibility(CpuRequirement cpu, CpuLabels source, CpuLabels target) {
        return incompatibility(cpu, LauncherCpu.UNKNOWN, source, target, false);
    }

    /**
     * Why {@code target} cannot take the VMI from {@code source}; empty when its CPU fits.
     *
     * @param pod        the CPU selectors of the VMI's running virt-launcher pod: for host-model, when it keeps any
     *                   (the VMI migrated before), they are the rule instead of the source node's host model
     * @param sameVendor KubeVirt 1.8 or later: every migration target needs the source node's {@code cpu-vendor.*}
     */
    public static Optional<String> incompatibility(CpuRequirement cpu, LauncherCpu pod, CpuLabels source,
                                                   CpuLabels target, boolean sameVendor) {
        Optional<String> reason = switch (cpu.mode()) {
            case NAMED -> lacks(target.models(), CpuLabels.MODEL, Set.of(cpu.model()));
            case HOST_MODEL -> pod.keepsSelectors()
                    ? lacks(target.migrationModels(), CpuLabels.MIGRATION_MODEL, pod.migrationModels())
                            .or(() -> lacks(target.features(), CpuLabels.FEATURE, pod.features()))
                            .map(r -> r + KEPT)
                    : sourceProblem(cpu, pod, source).or(() ->
                    lacks(target.migrationModels(), CpuLabels.MIGRATION_MODEL, Set.of(source.hostModel().get()))
                            .or(() -> lacks(target.features(), CpuLabels.FEATURE, source.hostModelRequiredFeatures())));
            case HOST_PASSTHROUGH -> sourceProblem(cpu, pod, source).or(() -> samePhysicalCpu(source, target));
        };
        return reason.or(() -> lacks(target.features(), CpuLabels.FEATURE, cpu.requiredFeatures()))
                .or(() -> sameVendor ? lacks(target.vendors(), CpuLabels.VENDOR, source.vendors())
                        .map(r -> r + " (KubeVirt 1.8+ keeps a migration on the source's CPU vendor)") : Optional.empty());
    }

    private static final String KEPT = " (its virt-launcher pod's nodeSelector asks for it; KubeVirt keeps that for every"
            + " migration)";

    /** The newest named model every node can run, as advice for VMs that should survive heterogeneous drains. */
    public static Optional<String> commonNamedModel(Collection<CpuLabels> nodes) {
        if (nodes.isEmpty()) {
            return Optional.empty();
        }
        Set<String> common = new TreeSet<>(nodes.iterator().next().models());
        nodes.forEach(n -> common.retainAll(n.models()));
        return common.stream().max(Comparator.<String>comparingInt(MODEL_AGE::indexOf).thenComparing(Comparator.reverseOrder()));
    }

    // libvirt refuses a host-passthrough guest on a CPU with other features, so only the same CPU is safe
    private static Optional<String> samePhysicalCpu(CpuLabels source, CpuLabels target) {
        if (!target.vendors().equals(source.vendors())) {
            return Optional.of("CPU vendor " + target.vendors() + " differs from source " + source.vendors()
                    + " (host-passthrough needs the same)");
        }
        String sourceModel = source.hostModel().orElseThrow();
        if (!target.hostModel().equals(source.hostModel())) {
            return Optional.of("host CPU " + target.hostModel().orElse("<unknown>") + " differs from source "
                    + sourceModel + " (host-passthrough needs the same)");
        }
        return lacks(target.features(), CpuLabels.FEATURE, source.features());
    }

    private static Optional<String> lacks(Set<String> present, String prefix, Set<String> needed) {
        if (present.containsAll(needed)) {
            return Optional.empty(); // the usual answer, checked for every VM and node: no stream, no sorting
        }
        return needed.stream().sorted().filter(n -> !present.contains(n)).findFirst().map(n -> "lacks " + prefix + n);
    }
}
