package io.drainpilot.plan;

import io.drainpilot.names.Names;
import io.drainpilot.kubevirt.VirtualMachineInstance;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Map;

/**
 * The order in which a node's VMIs are migrated. The upgrade-repo VM always goes first: every other node's
 * upgrade needs it serving. Smallest first by default, so many VMs are safe quickly.
 */
public enum VmiOrder {
    SMALLEST_MEMORY_FIRST("smallest-memory-first"),
    LARGEST_MEMORY_FIRST("largest-memory-first"),
    NAME("name");

    private final String configValue;

    VmiOrder(String configValue) {
        this.configValue = configValue;
    }

    public String configValue() {
        return configValue;
    }

    /** The order named in the configuration; blank means the default. */
    public static VmiOrder parse(String value) {
        if (value == null || value.isBlank()) {
            return SMALLEST_MEMORY_FIRST;
        }
        return Arrays.stream(values()).filter(o -> o.configValue.equals(value.trim())).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown VMI order '" + value + "', expected one of "
                        + Arrays.stream(values()).map(VmiOrder::configValue).toList()));
    }

    public Comparator<VirtualMachineInstance> comparator() {
        Comparator<VirtualMachineInstance> byMemory = Comparator.comparingLong(v -> VmiMemory.bytes(v).orElse(0));
        Comparator<VirtualMachineInstance> chosen = switch (this) {
            case SMALLEST_MEMORY_FIRST -> byMemory;
            case LARGEST_MEMORY_FIRST -> byMemory.reversed();
            case NAME -> (a, b) -> 0;
        };
        return Comparator.<VirtualMachineInstance, Boolean>comparing(v -> !isUpgradeRepo(v)).thenComparing(chosen)
                .thenComparing(VmiName::of);
    }

    public static boolean isUpgradeRepo(VirtualMachineInstance vmi) {
        return "repo".equals(labels(vmi).get(Names.HARVESTER_UPGRADE_COMPONENT));
    }

    private static Map<String, String> labels(VirtualMachineInstance vmi) {
        return vmi == null || vmi.getMetadata() == null || vmi.getMetadata().getLabels() == null
                ? Map.of() : vmi.getMetadata().getLabels();
    }
}
