package io.drainpilot.sim;

import io.drainpilot.kubevirt.KubeVirt;
import io.drainpilot.kubevirt.KubeVirtNames;
import io.drainpilot.kubevirt.MigrationPolicy;
import io.drainpilot.kubevirt.VirtualMachine;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.kubevirt.VirtualMachineInstanceMigration;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/** One tick's read of the cluster, the way KubeVirt's informers see it. */
record ClusterView(Map<String, Node> nodes, Map<String, VirtualMachineInstance> vmis,
                   List<VirtualMachineInstanceMigration> migrations, List<VirtualMachine> vms, List<Pod> launcherPods,
                   int parallelMigrationsPerCluster, int parallelOutboundMigrationsPerNode, String nodeDrainTaintKey,
                   KubeVirt.Migrations migrationConfig, List<MigrationPolicy> policies,
                   Map<String, Map<String, String>> namespaceLabels) {

    static final int DEFAULT_PARALLEL_PER_CLUSTER = 5;
    static final int DEFAULT_PARALLEL_OUTBOUND_PER_NODE = 2;

    static ClusterView read(KubernetesClient client) {
        Map<String, Node> nodes = client.nodes().list().getItems().stream()
                .collect(Collectors.toMap(n -> n.getMetadata().getName(), Function.identity(),
                        (a, b) -> a, LinkedHashMap::new));
        Map<String, VirtualMachineInstance> vmis = client.resources(VirtualMachineInstance.class).inAnyNamespace()
                .list().getItems().stream()
                .collect(Collectors.toMap(ClusterView::key, Function.identity(), (a, b) -> a, LinkedHashMap::new));
        List<VirtualMachineInstanceMigration> migrations = client.resources(VirtualMachineInstanceMigration.class)
                .inAnyNamespace().list().getItems();
        List<VirtualMachine> vms = client.resources(VirtualMachine.class).inAnyNamespace().list().getItems();
        List<Pod> pods = LauncherPods.read(client);
        Optional<KubeVirt.Migrations> limits = client.resources(KubeVirt.class).inAnyNamespace().list().getItems()
                .stream().findFirst()
                .map(KubeVirt::getSpec).map(s -> s.configuration).map(c -> c.migrations);
        int perCluster = limits.map(m -> m.parallelMigrationsPerCluster).orElse(DEFAULT_PARALLEL_PER_CLUSTER);
        int perNode = limits.map(m -> m.parallelOutboundMigrationsPerNode).orElse(DEFAULT_PARALLEL_OUTBOUND_PER_NODE);
        String taintKey = limits.map(m -> m.unknownFields().get("nodeDrainTaintKey")).map(String::valueOf)
                .orElse(KubeVirtNames.TAINT_DRAIN);
        List<MigrationPolicy> policies = client.resources(MigrationPolicy.class).list().getItems();
        // namespaces are read only when a policy selects by them
        Map<String, Map<String, String>> namespaceLabels = policies.stream()
                .anyMatch(p -> p.getSpec() != null && p.getSpec().selectors != null && p.getSpec().selectors.namespaceSelector != null)
                ? client.namespaces().list().getItems().stream().collect(Collectors.toMap(n -> n.getMetadata().getName(),
                        n -> n.getMetadata().getLabels() == null ? Map.of() : n.getMetadata().getLabels()))
                : Map.of();
        return new ClusterView(nodes, vmis, migrations, vms, pods, perCluster, perNode, taintKey,
                limits.orElse(new KubeVirt.Migrations()), policies, namespaceLabels);
    }

    static String key(HasMetadata o) {
        return key(o.getMetadata().getNamespace(), o.getMetadata().getName());
    }

    static String key(String namespace, String name) {
        return namespace + "/" + name;
    }

    Optional<VirtualMachineInstance> vmi(String namespace, String name) {
        return Optional.ofNullable(vmis.get(key(namespace, name)));
    }

    /** The VMI's Running virt-launcher pod on its node. */
    Optional<Pod> launcherPod(VirtualMachineInstance vmi) {
        return LauncherPods.runningPodOf(vmi, launcherPods);
    }
}
