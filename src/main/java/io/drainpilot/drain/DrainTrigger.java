package io.drainpilot.drain;

import io.drainpilot.kubevirt.VirtualMachine;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.kubevirt.VirtualMachineInstanceMigration;
import io.drainpilot.names.Names;
import io.drainpilot.view.ClusterChanges;
import io.drainpilot.view.ClusterView;
import io.drainpilot.work.NodeQueue;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Secret;

import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Turns cluster changes into nodes to evaluate now, instead of at the next scan: a node's signal or cordon, its
 * Rancher plan Secret, a migration's phase, a VMI arriving at or leaving a node, a VM's DrainPilot labels, the
 * KubeVirt CR or a Harvester upgrade. Cheap and non-blocking (runs on informer threads); the queue coalesces.
 */
public class DrainTrigger implements ClusterChanges {
    private final ClusterView view;
    private final NodeQueue queue;
    private final NodeQueue upgrade;
    private final Supplier<java.util.Set<String>> draining;

    /** @param upgrade the Harvester conductor's queue: an upgrade or a drain request changed */
    public DrainTrigger(ClusterView view, NodeQueue queue, NodeQueue upgrade, Supplier<java.util.Set<String>> draining) {
        this.view = view;
        this.queue = queue;
        this.upgrade = upgrade;
        this.draining = draining;
    }

    @Override
    public void node(Node before, Node after) {
        Node n = after != null ? after : before;
        String name = n.getMetadata().getName();
        boolean signalSide = !Objects.equals(annotations(before), annotations(after))
                || !Objects.equals(spec(before), spec(after));
        if (!signalSide) {
            return; // status heartbeats and label refreshes: nothing a drain waits for
        }
        queue.offer(name); // cheap when it turns out not to ask for a drain: the request is read from the view

        // a node cordoned, uncordoned or tainted changes where the draining nodes' VMs can go
        if (!Objects.equals(spec(before), spec(after))) {
            allDraining();
        }
    }

    @Override
    public void planSecret(Secret before, Secret after) {
        if (Objects.equals(annotations(before), annotations(after))) {
            return;
        }
        Secret s = after != null ? after : before;
        String machine = s.getMetadata().getLabels() == null ? null
                : s.getMetadata().getLabels().get(Names.RANCHER_MACHINE_NAME_LABEL);
        if (machine != null) {
            view.nodeOfMachine(machine).ifPresent(n -> queue.offer(n.getMetadata().getName()));
        }
        upgrade.offer(UPGRADE);
    }

    @Override
    public void migration(VirtualMachineInstanceMigration before, VirtualMachineInstanceMigration after) {
        VirtualMachineInstanceMigration m = after != null ? after : before;
        // what a decision waits for: a migration appearing, ending (a slot frees, the VM is counted) or going away;
        // the phases in between change no decision (deadlines are the await timer's)
        if (before != null && after != null && before.phase().isFinal() == after.phase().isFinal()
                && Objects.equals(ClusterView.sourceNode(before), ClusterView.sourceNode(after))) {
            return;
        }
        String source = ClusterView.sourceNode(m);
        if (source == null) {
            source = view.vmi(m.getMetadata().getNamespace(), m.vmiName()).flatMap(VirtualMachineInstance::nodeName)
                    .orElse(null);
        }
        if (source != null) {
            queue.offer(source);
        }
        if (after == null || after.phase().isFinal()) {
            allDraining(); // a slot is free: VMs waiting on other nodes may start now
        }
    }

    @Override
    public void vmi(String node, VirtualMachineInstance before, VirtualMachineInstance after) {
        if (before != null && after != null && Objects.equals(before.nodeName(), after.nodeName())
                && Objects.equals(before.phase(), after.phase())
                && Objects.equals(before.getMetadata().getLabels(), after.getMetadata().getLabels())
                && Objects.equals(conditions(before), conditions(after))) {
            return;
        }
        queue.offer(node);
        if (after != null) {
            after.nodeName().filter(n -> !n.equals(node)).ifPresent(queue::offer);
        }
    }

    @Override
    public void vm(VirtualMachine before, VirtualMachine after) {
        VirtualMachine vm = after != null ? after : before;
        if (before != null && after != null && Objects.equals(before.getMetadata().getLabels(), after.getMetadata().getLabels())) {
            return;
        }
        view.vmi(vm.getMetadata().getNamespace(), vm.getMetadata().getName()).flatMap(VirtualMachineInstance::nodeName)
                .ifPresent(queue::offer);
    }

    @Override
    public void installation() {
        allDraining();
        upgrade.offer(UPGRADE);
    }

    /** The conductor looks at the whole upgrade: one key for its queue. */
    static final String UPGRADE = "upgrade";

    private void allDraining() {
        draining.get().forEach(queue::offer);
    }

    private static Map<String, String> annotations(HasMetadata o) {
        return o == null || o.getMetadata().getAnnotations() == null ? Map.of() : o.getMetadata().getAnnotations();
    }

    private static Object spec(Node n) {
        return n == null || n.getSpec() == null ? null
                : java.util.Arrays.asList(n.getSpec().getUnschedulable(), n.getSpec().getTaints());
    }

    private static Object conditions(VirtualMachineInstance v) {
        return v.getStatus() == null || v.getStatus().conditions == null ? null
                : v.getStatus().conditions.stream().map(c -> c.type + "=" + c.status).toList();
    }
}
