package io.drainpilot.view;

import io.drainpilot.kubevirt.VirtualMachine;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.kubevirt.VirtualMachineInstanceMigration;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Secret;

/**
 * What changed in the cluster, as the watches report it ({@code before} null: added; {@code after} null: deleted).
 * Called on an informer thread: an implementation decides quickly which nodes to look at again and returns; it
 * never reads the API server or blocks. Changes DrainPilot made itself mostly do not come back here (the cache
 * already held them).
 */
public interface ClusterChanges {
    ClusterChanges NONE = new ClusterChanges() {
    };

    default void node(Node before, Node after) {
    }

    default void planSecret(Secret before, Secret after) {
    }

    default void migration(VirtualMachineInstanceMigration before, VirtualMachineInstanceMigration after) {
    }

    /** A VMI on a watched node changed; {@code node} is the node whose watch saw it. */
    default void vmi(String node, VirtualMachineInstance before, VirtualMachineInstance after) {
    }

    /** A VM carrying one of DrainPilot's labels changed. */
    default void vm(VirtualMachine before, VirtualMachine after) {
    }

    /** The KubeVirt CR or a Harvester upgrade changed (limits, version, upgraded nodes). */
    default void installation() {
    }
}
