package io.drainpilot.plan;

import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.kubevirt.VirtualMachineInstanceSpec.Domain;
import io.fabric8.kubernetes.api.model.Quantity;

import java.util.Locale;
import java.util.OptionalLong;

/** The memory a VMI needs on its target: the guest memory, else the memory request. */
public final class VmiMemory {
    private static final long KI = 1024;
    private static final long MI = KI * KI;
    private static final long GI = MI * KI;

    private VmiMemory() {
    }

    /** Empty when the VMI names no memory or an unparsable quantity; callers then skip the memory rule. */
    public static OptionalLong bytes(VirtualMachineInstance vmi) {
        Domain domain = vmi == null || vmi.getSpec() == null ? null : vmi.getSpec().domain;
        if (domain == null) {
            return OptionalLong.empty();
        }
        if (domain.memory != null && domain.memory.guest != null && !domain.memory.guest.isBlank()) {
            return parse(domain.memory.guest);
        }
        if (domain.resources != null && domain.resources.requests != null) {
            return parse(domain.resources.requests.get("memory"));
        }
        return OptionalLong.empty();
    }

    /** Bytes for people: {@code 1.5 GiB}, {@code 512.0 MiB}, {@code 100 B}. */
    public static String human(long bytes) {
        if (Math.abs(bytes) >= GI) {
            return String.format(Locale.ROOT, "%.1f GiB", (double) bytes / GI);
        }
        if (Math.abs(bytes) >= MI) {
            return String.format(Locale.ROOT, "%.1f MiB", (double) bytes / MI);
        }
        return bytes + " B";
    }

    private static OptionalLong parse(String quantity) {
        if (quantity == null || quantity.isBlank()) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Quantity.getAmountInBytes(new Quantity(quantity.trim())).longValueExact());
        } catch (IllegalArgumentException | ArithmeticException e) {
            return OptionalLong.empty();
        }
    }
}
