package io.drainpilot.sim;

import io.drainpilot.kubevirt.VirtualMachine;
import io.fabric8.kubernetes.client.KubernetesClient;

/** Writes a scenario VM's first status through the status subresource, as virt-controller would have. */
final class VmStatusWriter {
    private VmStatusWriter() {
    }

    static void write(KubernetesClient client, VirtualMachine vm, boolean running) {
        VirtualMachine.Status status = new VirtualMachine.Status();
        status.created = running;
        status.ready = running;
        status.printableStatus = running ? "Running" : "Stopped";
        // synced once a VMI was created (see VmController)
        status.runStrategy = running ? VmController.effectiveRunStrategy(vm) : null;
        vm.setStatus(status);
        client.resource(vm).updateStatus();
    }
}
