package io.drainpilot.sim;

import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * KubeVirt's virt-launcher pods: one per running VMI, in the VMI's namespace, labelled {@code kubevirt.io=virt-launcher}
 * and {@code kubevirt.io/created-by=<VMI uid>}, bound to the VMI's node, phase Running, with the nodeSelector KubeVirt
 * rendered for it ({@link TargetScheduler}). A migration adds a target pod (label {@code kubevirt.io/migrationJobUID});
 * when the migration succeeds the source pod goes and the target pod is the VMI's pod.
 *
 * <p>Simplifications: a pod has no containers, volumes, resources or conditions, only what the CPU rules read; pods
 * of a VMI that is gone are deleted on the next tick (Kubernetes' garbage collector follows the owner reference); the
 * source pod is deleted at once when its migration succeeds (a real one ends with phase Succeeded first).
 */
final class LauncherPods {
    static final String LABEL_APP = "kubevirt.io";
    static final String APP = "virt-launcher";
    static final String LABEL_CREATED_BY = "kubevirt.io/created-by";
    static final String LABEL_MIGRATION_JOB = "kubevirt.io/migrationJobUID";
    static final String RUNNING = "Running";
    static final String PENDING = "Pending";

    private final KubernetesClient client;

    LauncherPods(KubernetesClient client) {
        this.client = client;
    }

    /** Every virt-launcher pod, as virt-controller's pod informer sees them. */
    static List<Pod> read(KubernetesClient client) {
        return client.pods().inAnyNamespace().withLabel(LABEL_APP, APP).list().getItems();
    }

    /** A pod for {@code vmi} (which has its uid), on {@code node} (null: not scheduled yet), in {@code phase}. */
    Pod create(VirtualMachineInstance vmi, String node, Map<String, String> nodeSelector, String phase,
               String migrationUid) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(LABEL_APP, APP);
        labels.put(LABEL_CREATED_BY, vmi.getMetadata().getUid());
        if (migrationUid != null) {
            labels.put(LABEL_MIGRATION_JOB, migrationUid);
        }
        Pod pod = new PodBuilder()
                .withNewMetadata().withNamespace(vmi.getMetadata().getNamespace())
                .withName("virt-launcher-" + vmi.getMetadata().getName() + "-" + UUID.randomUUID().toString().substring(0, 5))
                .withLabels(labels)
                .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion(vmi.getApiVersion()).withKind(vmi.getKind())
                        .withName(vmi.getMetadata().getName()).withUid(vmi.getMetadata().getUid()).withController(true)
                        .withBlockOwnerDeletion(true).build())
                .endMetadata()
                .withNewSpec().withNodeName(node).withNodeSelector(new LinkedHashMap<>(nodeSelector)).endSpec()
                .withNewStatus().withPhase(phase).endStatus()
                .build();
        return client.pods().inNamespace(vmi.getMetadata().getNamespace()).resource(pod).create();
    }

    void delete(String namespace, String name) {
        if (name != null) {
            client.pods().inNamespace(namespace).withName(name).delete();
        }
    }

    /**
     * The Kubernetes garbage collectors' part: pods whose VMI is gone go too, and so do pods bound to a node that no
     * longer exists (the pod GC's orphaned pods; its 40 s quarantine is not simulated).
     */
    void collectGarbage(ClusterView view) {
        Set<String> uids = view.vmis().values().stream().map(v -> v.getMetadata().getUid()).collect(Collectors.toSet());
        view.launcherPods().stream().filter(p -> !uids.contains(p.getMetadata().getLabels().get(LABEL_CREATED_BY))
                        || (p.getSpec() != null && p.getSpec().getNodeName() != null
                        && !view.nodes().containsKey(p.getSpec().getNodeName())))
                .forEach(p -> delete(p.getMetadata().getNamespace(), p.getMetadata().getName()));
    }

    /** The VMI's Running pod on the node it runs on. */
    static Optional<Pod> runningPodOf(VirtualMachineInstance vmi, List<Pod> pods) {
        String uid = vmi.getMetadata().getUid();
        String node = vmi.nodeName().orElse(null);
        return pods.stream()
                .filter(p -> p.getMetadata().getLabels() != null && uid != null
                        && uid.equals(p.getMetadata().getLabels().get(LABEL_CREATED_BY)))
                .filter(p -> p.getStatus() != null && RUNNING.equals(p.getStatus().getPhase()))
                .filter(p -> p.getSpec() != null && node != null && node.equals(p.getSpec().getNodeName()))
                .findFirst();
    }

    static Map<String, String> nodeSelector(Optional<Pod> pod) {
        return pod.map(Pod::getSpec).map(s -> s.getNodeSelector()).orElse(Map.of());
    }
}
