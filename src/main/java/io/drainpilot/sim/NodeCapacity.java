package io.drainpilot.sim;

import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.kubevirt.VirtualMachineInstanceSpec;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Quantity;

import java.util.HashMap;
import java.util.Map;

/** Free memory per node: allocatable minus running VMIs minus target pods already placed this tick. */
final class NodeCapacity {
    private static final long DEFAULT_VMI_MEMORY = 1L << 30;

    private final Map<String, Long> free = new HashMap<>();

    NodeCapacity(ClusterView view) {
        for (Node node : view.nodes().values()) {
            Quantity allocatable = node.getStatus() == null || node.getStatus().getAllocatable() == null
                    ? null : node.getStatus().getAllocatable().get("memory");
            free.put(node.getMetadata().getName(), allocatable == null ? 0L : bytes(allocatable.toString()));
        }
        for (VirtualMachineInstance vmi : view.vmis().values()) {
            vmi.nodeName().ifPresent(n -> reserve(n, memoryOf(vmi)));
        }
    }

    long free(String node) {
        return free.getOrDefault(node, 0L);
    }

    void reserve(String node, long bytes) {
        free.computeIfPresent(node, (n, f) -> f - bytes);
    }

    void release(String node, long bytes) {
        free.computeIfPresent(node, (n, f) -> f + bytes);
    }

    /** What the virt-launcher pod requests: resources.requests.memory, else the guest memory. */
    static long memoryOf(VirtualMachineInstance vmi) {
        VirtualMachineInstanceSpec.Domain d = vmi.getSpec() == null ? null : vmi.getSpec().domain;
        if (d != null && d.resources != null && d.resources.requests != null && d.resources.requests.get("memory") != null) {
            return bytes(d.resources.requests.get("memory"));
        }
        if (d != null && d.memory != null && d.memory.guest != null) {
            return bytes(d.memory.guest);
        }
        return DEFAULT_VMI_MEMORY;
    }

    static long bytes(String quantity) {
        return Quantity.getAmountInBytes(new Quantity(quantity)).longValue();
    }
}
