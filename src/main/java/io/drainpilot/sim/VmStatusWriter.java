package io.drainpilot.sim;

import io.drainpilot.kubevirt.VirtualMachine;
import io.fabric8.kubernetes.client.KubernetesClient;

/** Writes a VM's printable status through the status subresource, as virt-controller does. */
final class VmStatusWriter {
    private VmStatusWriter() {
    }

    static void write(KubernetesClient client, VirtualMachine vm, boolean running) {
        VirtualMachine.Status status = new VirtualMachine.Status();
        status.created = running;
        status.ready = running;
        status.printableStatus = running ? "Running" : "Stopped";
        vm.setStatus(status);
        client.resource(vm).updateStatus();
    }
}
