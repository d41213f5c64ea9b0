package io.drainpilot.bench;

import io.drainpilot.kubevirt.KubeVirtNames;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.kubevirt.VirtualMachineInstanceMigration;
import io.drainpilot.names.Names;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;

/**
 * The baseline the benchmarks compare DrainPilot with: the least a fabric8 controller must do to evacuate a node by
 * events. Informers on Nodes, VMIs and VMIMs; when a node carries {@code drainpilot.io/drain-requested: "true"} or one
 * of its migrations changes, it creates migrations for the node's VMIs up to the outbound and cluster caps (no CPU
 * rules, no target choice, no recovery, no bookkeeping), and once no VMI and no migration of the node is left it
 * writes {@code drainpilot.io/evacuation=Completed}. One worker thread, like a single-threaded controller's queue.
 */
final class BareController implements AutoCloseable {
    private final KubernetesClient client;
    private final int outbound;
    private final int cluster;
    private final SharedIndexInformer<Node> nodes;
    private final SharedIndexInformer<VirtualMachineInstance> vmis;
    private final SharedIndexInformer<VirtualMachineInstanceMigration> migrations;
    private final ExecutorService worker = Executors.newSingleThreadExecutor();
    private final Map<String, String> released = new HashMap<>();

    BareController(KubernetesClient client, int outbound, int cluster) {
        this.client = client;
        this.outbound = outbound;
        this.cluster = cluster;
        ResourceEventHandler<Object> any = new ResourceEventHandler<>() {
            @Override
            public void onAdd(Object o) {
                kick();
            }

            @Override
            public void onUpdate(Object a, Object b) {
                kick();
            }

            @Override
            public void onDelete(Object o, boolean unknown) {
                kick();
            }
        };
        nodes = client.nodes().inform(any, 0);
        vmis = client.resources(VirtualMachineInstance.class).inAnyNamespace().inform(any, 0);
        migrations = client.resources(VirtualMachineInstanceMigration.class).inAnyNamespace().inform(any, 0);
    }

    private void kick() {
        worker.execute(() -> {
            try {
                sync();
            } catch (RuntimeException e) {
                // the next event looks again
            }
        });
    }

    private void sync() {
        for (Node n : nodes.getStore().list()) {
            String name = n.getMetadata().getName();
            Map<String, String> a = n.getMetadata().getAnnotations();
            if (a == null || !"true".equals(a.get(Names.DRAIN_REQUESTED)) || released.containsKey(name)) {
                continue;
            }
            List<VirtualMachineInstance> onNode = vmis.getStore().list().stream()
                    .filter(v -> name.equals(v.getMetadata().getLabels().get(KubeVirtNames.LABEL_NODE_NAME))).toList();
            List<VirtualMachineInstanceMigration> inFlight = migrations.getStore().list().stream()
                    .filter(m -> !m.phase().isFinal()).toList();
            if (onNode.isEmpty() && inFlight.stream().noneMatch(m -> name.equals(m.getMetadata().getLabels().get("source")))) {
                client.nodes().withName(name).edit(x -> {
                    x.getMetadata().getAnnotations().put(Names.EVACUATION, Names.COMPLETED);
                    return x;
                });
                released.put(name, "");
                continue;
            }
            Set<String> busy = inFlight.stream().map(VirtualMachineInstanceMigration::vmiName).collect(Collectors.toSet());
            long out = inFlight.stream().filter(m -> name.equals(m.getMetadata().getLabels().get("source"))).count();
            long all = inFlight.size();
            for (VirtualMachineInstance vmi : onNode) {
                if (out >= outbound || all >= cluster) {
                    break;
                }
                if (busy.contains(vmi.getMetadata().getName())) {
                    continue;
                }
                VirtualMachineInstanceMigration m = new VirtualMachineInstanceMigration();
                m.setMetadata(new ObjectMetaBuilder().withNamespace(vmi.getMetadata().getNamespace())
                        .withGenerateName("bare-").addToLabels("source", name).build());
                m.setSpec(new VirtualMachineInstanceMigration.Spec());
                m.getSpec().vmiName = vmi.getMetadata().getName();
                try {
                    client.resource(m).create();
                } catch (RuntimeException e) {
                    continue; // KubeVirt refused (one in flight already): the next event looks again
                }
                out++;
                all++;
                busy.add(vmi.getMetadata().getName());
            }
        }
    }

    @Override
    public void close() {
        nodes.close();
        vmis.close();
        migrations.close();
        worker.shutdownNow();
    }
}
