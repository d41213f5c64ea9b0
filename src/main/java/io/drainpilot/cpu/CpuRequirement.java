package io.drainpilot.cpu;

import io.drainpilot.kubevirt.KubeVirtNames;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.kubevirt.VirtualMachineInstanceSpec.Cpu;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The CPU a VMI needs on any node it runs on.
 *
 * @param model            the named model, or null for host-model and host-passthrough
 * @param requiredFeatures features with policy {@code require} or none (KubeVirt's default policy); other
 *                         policies either do not need the host feature or forbid it, which labels cannot show
 * @param noCpuSection     true when the VMI had no cpu model at all, so KubeVirt's default host-model applies;
 *                         callers may warn because the owner probably never chose it
 */
public record CpuRequirement(CpuMode mode, String model, Set<String> requiredFeatures, boolean noCpuSection) {

    public CpuRequirement {
        requiredFeatures = Set.copyOf(requiredFeatures);
    }

    public static CpuRequirement of(VirtualMachineInstance vmi) {
        Cpu cpu = vmi == null || vmi.getSpec() == null || vmi.getSpec().domain == null ? null : vmi.getSpec().domain.cpu;
        String model = cpu == null || cpu.model == null ? "" : cpu.model.trim();
        Set<String> required = new TreeSet<>();
        Optional.ofNullable(cpu).map(c -> c.features).orElse(List.of()).stream()
                .filter(f -> f != null && f.name != null && !f.name.isBlank())
                .filter(f -> f.policy == null || f.policy.isBlank() || "require".equals(f.policy))
                .forEach(f -> required.add(f.name));
        if (model.isEmpty() || KubeVirtNames.CPU_HOST_MODEL.equals(model)) {
            return new CpuRequirement(CpuMode.HOST_MODEL, null, required, model.isEmpty());
        }
        if (KubeVirtNames.CPU_HOST_PASSTHROUGH.equals(model)) {
            return new CpuRequirement(CpuMode.HOST_PASSTHROUGH, null, required, false);
        }
        return new CpuRequirement(CpuMode.NAMED, model, required, false);
    }

    /** The mode as KubeVirt spells it: the model name, {@code host-model} or {@code host-passthrough}. */
    public String describe() {
        return switch (mode) {
            case NAMED -> model;
            case HOST_MODEL -> KubeVirtNames.CPU_HOST_MODEL;
            case HOST_PASSTHROUGH -> KubeVirtNames.CPU_HOST_PASSTHROUGH;
        };
    }
}
