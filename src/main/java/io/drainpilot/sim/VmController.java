package io.drainpilot.sim;

import io.drainpilot.kubevirt.KubeVirtNames;
import io.drainpilot.kubevirt.VirtualMachine;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Optional;

/** KubeVirt's VM controller: makes a VMI exist or not according to the VM's runStrategy. */
final class VmController {
    private static final Logger LOG = LoggerFactory.getLogger(VmController.class);

    private final KubernetesClient client;
    private final TargetScheduler scheduler;

    VmController(KubernetesClient client, TargetScheduler scheduler) {
        this.client = client;
        this.scheduler = scheduler;
    }

    void reconcile(ClusterView view, NodeCapacity capacity) {
        for (VirtualMachine vm : view.vms()) {
            try {
                reconcile(vm, view, capacity);
            } catch (RuntimeException e) {
                LOG.warn("VM {} not reconciled, retrying next tick: {}", ClusterView.key(vm), e.toString());
            }
        }
    }

    private void reconcile(VirtualMachine vm, ClusterView view, NodeCapacity capacity) {
        String namespace = vm.getMetadata().getNamespace();
        String name = vm.getMetadata().getName();
        Optional<VirtualMachineInstance> vmi = view.vmi(namespace, name);
        String strategy = effectiveRunStrategy(vm);
        if (VirtualMachine.HALTED.equals(strategy) && vmi.isPresent()) {
            client.resource(vmi.get()).delete();
            LOG.info("VM {} halted: VMI deleted", ClusterView.key(vm));
            VmStatusWriter.write(client, vm, false);
        } else if ((VirtualMachine.ALWAYS.equals(strategy) || VirtualMachine.RERUN_ON_FAILURE.equals(strategy))
                && vmi.isEmpty()) {
            start(vm, view, capacity);
        }
    }

    private void start(VirtualMachine vm, ClusterView view, NodeCapacity capacity) {
        // the VMI-to-be, node still unknown: its spec decides the launcher pod's selector
        VirtualMachineInstance probe = VmiFactory.runningVmi(vm, "");
        Map<String, String> selector = scheduler.startSelector(probe);
        boolean hostModel = KubeVirtNames.CPU_HOST_MODEL.equals(TargetScheduler.cpuModel(probe));
        Optional<String> node = scheduler.schedule(probe, selector, view, capacity, null, hostModel);
        if (node.isEmpty()) {
            LOG.debug("VM {} cannot start yet: no node fits", ClusterView.key(vm));
            return;
        }
        VirtualMachineInstance vmi = VmiFactory.runningVmi(vm, node.get());
        client.resource(vmi).create();
        capacity.reserve(node.get(), NodeCapacity.memoryOf(vmi));
        VmStatusWriter.write(client, vm, true);
        LOG.info("VM {} started on {}", ClusterView.key(vm), node.get());
    }

    /** runStrategy, or the deprecated {@code running} boolean when runStrategy is unset. */
    private static String effectiveRunStrategy(VirtualMachine vm) {
        if (vm.runStrategy() != null) {
            return vm.runStrategy();
        }
        Boolean running = vm.getSpec() == null ? null : vm.getSpec().running;
        return Boolean.TRUE.equals(running) ? VirtualMachine.ALWAYS : VirtualMachine.HALTED;
    }
}
