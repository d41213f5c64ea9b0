package io.drainpilot.view;

import io.drainpilot.kubevirt.VirtualMachine;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.kubevirt.VirtualMachineInstanceMigration;
import io.drainpilot.kubevirt.KubeVirtNames;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.NodeSpec;
import io.fabric8.kubernetes.api.model.NodeStatus;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the caches keep of each kind: what decisions read, nothing more. Label keys and common values are interned,
 * since thousands of nodes carry the same hundred node-labeller keys.
 */
final class Trim {
    private Trim() {
    }

    /** Name, labels, annotations, cordon and taints, allocatable memory and CPU, condition types and statuses. */
    static Node node(Node n) {
        Node out = new Node();
        out.setApiVersion(n.getApiVersion());
        out.setKind(n.getKind());
        out.setMetadata(meta(n.getMetadata()));
        if (n.getSpec() != null) {
            NodeSpec spec = new NodeSpec();
            spec.setUnschedulable(n.getSpec().getUnschedulable());
            spec.setTaints(n.getSpec().getTaints());
            out.setSpec(spec);
        }
        if (n.getStatus() != null) {
            NodeStatus status = new NodeStatus();
            Map<String, Quantity> allocatable = n.getStatus().getAllocatable();
            if (allocatable != null) {
                Map<String, Quantity> kept = new HashMap<>(4);
                for (String k : List.of("memory", "cpu")) {
                    if (allocatable.get(k) != null) {
                        kept.put(k, allocatable.get(k));
                    }
                }
                status.setAllocatable(kept);
            }
            if (n.getStatus().getConditions() != null) {
                status.setConditions(n.getStatus().getConditions().stream()
                        .map(c -> (NodeCondition) new NodeConditionBuilder().withType(c.getType())
                                .withStatus(c.getStatus()).withReason(c.getReason()).build())
                        .toList());
            }
            out.setStatus(status);
        }
        return out;
    }

    /**
     * Metadata, labels and annotations only: a plan Secret's data is never kept (nor needed, nor received: the
     * informer asks for metadata only, which the server answers as {@code PartialObjectMetadata}; kept as a v1 Secret).
     */
    static Secret secret(Secret s) {
        return new SecretBuilder().withApiVersion("v1").withKind("Secret")
                .withMetadata(meta(s.getMetadata())).withType(s.getType()).build();
    }

    /** The spec as it is (placement, CPU, devices); of the status only what KubeVirt's own fields say. */
    static VirtualMachineInstance vmi(VirtualMachineInstance v) {
        v.setMetadata(meta(v.getMetadata()));
        if (v.getStatus() != null) {
            v.getStatus().unknownFields().clear(); // interfaces, guest OS info, volume status...
            if (v.getStatus().conditions != null) {
                v.getStatus().conditions.forEach(c -> {
                    c.lastProbeTime = null;
                    c.unknownFields().clear();
                });
            }
        }
        return v;
    }

    /**
     * A virt-launcher pod as planning reads it: identity, its two KubeVirt labels, node, phase and the CPU keys of
     * its nodeSelector; no containers, volumes, annotations or status beyond the phase.
     */
    static Pod launcherPod(Pod p) {
        ObjectMeta m = p.getMetadata();
        Map<String, String> labels = new HashMap<>(4);
        if (m != null && m.getLabels() != null) {
            for (String k : List.of(KubeVirtNames.LABEL_APP, KubeVirtNames.LABEL_CREATED_BY)) {
                if (m.getLabels().get(k) != null) {
                    labels.put(k.intern(), m.getLabels().get(k));
                }
            }
        }
        Map<String, String> selector = new HashMap<>();
        if (p.getSpec() != null && p.getSpec().getNodeSelector() != null) {
            p.getSpec().getNodeSelector().forEach((k, v) -> {
                if (k.startsWith(CPU_MIGRATION_MODEL) || k.startsWith(CPU_FEATURE)) {
                    selector.put(k.intern(), v != null && v.length() <= 16 ? v.intern() : v);
                }
            });
        }
        return new PodBuilder().withApiVersion("v1").withKind("Pod")
                .withNewMetadata().withName(m == null ? null : m.getName()).withNamespace(m == null ? null : m.getNamespace())
                .withUid(m == null ? null : m.getUid()).withResourceVersion(m == null ? null : m.getResourceVersion())
                .withLabels(labels).endMetadata()
                .withNewSpec().withNodeName(p.getSpec() == null ? null : p.getSpec().getNodeName())
                .withNodeSelector(selector).endSpec()
                .withNewStatus().withPhase(p.getStatus() == null ? null : p.getStatus().getPhase()).endStatus()
                .build();
    }

    // the node-labeller prefixes a launcher pod's CPU selectors use (the cpu package's, which this layer may not import)
    private static final String CPU_MIGRATION_MODEL = "cpu-model-migration.node.kubevirt.io/";
    private static final String CPU_FEATURE = "cpu-feature.node.kubevirt.io/";

    static VirtualMachineInstanceMigration migration(VirtualMachineInstanceMigration m) {
        m.setMetadata(meta(m.getMetadata()));
        return m;
    }

    /** Labels, annotations, runStrategy and pending state change requests: the VM template (often large) is dropped. */
    static VirtualMachine vm(VirtualMachine vm) {
        VirtualMachine out = new VirtualMachine();
        out.setApiVersion(vm.getApiVersion());
        out.setKind(vm.getKind());
        out.setMetadata(meta(vm.getMetadata()));
        if (vm.getSpec() != null) {
            VirtualMachine.Spec spec = new VirtualMachine.Spec();
            spec.runStrategy = vm.getSpec().runStrategy;
            spec.running = vm.getSpec().running;
            out.setSpec(spec);
        }
        if (vm.getStatus() != null && vm.getStatus().stateChangeRequests != null) {
            // pending start/stop requests: the restarter does not ask twice
            VirtualMachine.Status status = new VirtualMachine.Status();
            status.stateChangeRequests = vm.getStatus().stateChangeRequests;
            out.setStatus(status);
        }
        return out;
    }

    static <T extends io.fabric8.kubernetes.api.model.HasMetadata> T metadataOnly(T o) {
        o.setMetadata(meta(o.getMetadata()));
        return o;
    }

    static GenericKubernetesResource generic(GenericKubernetesResource g) {
        g.setMetadata(meta(g.getMetadata()));
        return g;
    }

    /** Identity, labels and annotations; no managedFields, no owner references beyond what is read. */
    static ObjectMeta meta(ObjectMeta m) {
        if (m == null) {
            return null;
        }
        return new ObjectMetaBuilder().withName(m.getName()).withNamespace(m.getNamespace()).withUid(m.getUid())
                .withResourceVersion(m.getResourceVersion()).withCreationTimestamp(m.getCreationTimestamp())
                .withDeletionTimestamp(m.getDeletionTimestamp()).withGenerateName(m.getGenerateName())
                .withOwnerReferences(m.getOwnerReferences())
                .withLabels(interned(m.getLabels())).withAnnotations(interned(m.getAnnotations())).build();
    }

    private static Map<String, String> interned(Map<String, String> in) {
        if (in == null) {
            return null;
        }
        Map<String, String> out = new HashMap<>(Math.max(4, in.size() * 4 / 3 + 1));
        in.forEach((k, v) -> out.put(k.intern(), v != null && v.length() <= 16 ? v.intern() : v));
        return out;
    }
}
