package io.drainpilot.plan;

import io.drainpilot.kubevirt.VirtualMachineInstance;

/** {@code namespace/name} of a VMI for messages and stable ordering, also for half-built objects. */
final class VmiName {
    static final String UNNAMED = "<unnamed VMI>";

    private VmiName() {
    }

    static String of(VirtualMachineInstance vmi) {
        if (vmi == null || vmi.getMetadata() == null || vmi.getMetadata().getName() == null) {
            return UNNAMED;
        }
        String namespace = vmi.getMetadata().getNamespace();
        return (namespace == null ? "" : namespace + "/") + vmi.getMetadata().getName();
    }
}
