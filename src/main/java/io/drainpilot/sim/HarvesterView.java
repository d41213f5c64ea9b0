package io.drainpilot.sim;

import io.drainpilot.kubevirt.VirtualMachine;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.kubevirt.VirtualMachineInstanceMigration;
import io.drainpilot.names.Names;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/** One tick's read of what Harvester's and Rancher's controllers look at. */
record HarvesterView(Instant now, Map<String, Node> nodes, Map<String, Secret> planSecretsByMachine,
                     GenericKubernetesResource upgrade, GenericKubernetesResource provisioningCluster,
                     Map<String, VirtualMachineInstance> vmis, List<VirtualMachineInstanceMigration> migrations,
                     Map<String, VirtualMachine> vms) {

    static HarvesterView read(KubernetesClient client, String upgradeName) {
        Instant now = Instant.now();
        Map<String, Node> nodes = client.nodes().list().getItems().stream()
                .collect(Collectors.toMap(n -> n.getMetadata().getName(), Function.identity(), (a, b) -> a,
                        LinkedHashMap::new));
        Map<String, Secret> plans = client.secrets().inNamespace(Names.RANCHER_PLAN_NAMESPACE).list().getItems()
                .stream()
                .filter(s -> Names.RANCHER_PLAN_SECRET_TYPE.equals(s.getType()))
                .filter(s -> s.getMetadata().getLabels() != null
                        && s.getMetadata().getLabels().containsKey(Names.RANCHER_MACHINE_NAME_LABEL))
                .collect(Collectors.toMap(s -> s.getMetadata().getLabels().get(Names.RANCHER_MACHINE_NAME_LABEL),
                        Function.identity(), (a, b) -> a, LinkedHashMap::new));
        GenericKubernetesResource upgrade = client.genericKubernetesResources(HarvesterNames.GROUP_VERSION,
                HarvesterNames.UPGRADE_KIND).inNamespace(Scenario.HARVESTER_NAMESPACE).withName(upgradeName).get();
        GenericKubernetesResource cluster = client.genericKubernetesResources(HarvesterNames.PROVISIONING_GROUP_VERSION,
                HarvesterNames.PROVISIONING_CLUSTER_KIND).inNamespace(Names.RANCHER_PLAN_NAMESPACE)
                .withName(HarvesterNames.LOCAL_CLUSTER).get();
        Map<String, VirtualMachineInstance> vmis = client.resources(VirtualMachineInstance.class).inAnyNamespace()
                .list().getItems().stream()
                .collect(Collectors.toMap(ClusterView::key, Function.identity(), (a, b) -> a, LinkedHashMap::new));
        List<VirtualMachineInstanceMigration> migrations = client.resources(VirtualMachineInstanceMigration.class)
                .inAnyNamespace().list().getItems();
        Map<String, VirtualMachine> vms = client.resources(VirtualMachine.class).inAnyNamespace().list().getItems()
                .stream()
                .collect(Collectors.toMap(ClusterView::key, Function.identity(), (a, b) -> a, LinkedHashMap::new));
        return new HarvesterView(now, nodes, plans, upgrade, cluster, vmis, migrations, vms);
    }

    /** The node a machine became ({@code cluster.x-k8s.io/machine} on the Node). */
    Optional<String> nodeOfMachine(String machine) {
        return nodes.values().stream()
                .filter(n -> n.getMetadata().getAnnotations() != null
                        && machine.equals(n.getMetadata().getAnnotations().get(Names.CAPI_MACHINE_ANNOTATION)))
                .map(n -> n.getMetadata().getName()).findFirst();
    }

    Optional<Secret> planSecretOfNode(String node) {
        Node n = nodes.get(node);
        String machine = n == null || n.getMetadata().getAnnotations() == null ? null
                : n.getMetadata().getAnnotations().get(Names.CAPI_MACHINE_ANNOTATION);
        return Optional.ofNullable(machine == null ? null : planSecretsByMachine.get(machine));
    }

    /** The node's state in {@code status.nodeStatuses}, null when it has none. */
    NodeUpgradeState nodeState(String node) {
        return UpgradeCr.nodeState(upgrade, node);
    }

    /** The VMIs whose {@code kubevirt.io/nodeName} label names the node. */
    List<VirtualMachineInstance> vmisLabelledOn(String node) {
        return vmis.values().stream()
                .filter(v -> node.equals(v.label(io.drainpilot.kubevirt.KubeVirtNames.LABEL_NODE_NAME))).toList();
    }

    /** {@code spec.rkeConfig.upgradeStrategy} of the provisioning cluster, or an empty map. */
    Map<String, Object> upgradeStrategy() {
        if (provisioningCluster == null) {
            return Map.of();
        }
        Object strategy = path(provisioningCluster.getAdditionalProperties().get("spec"), "rkeConfig", "upgradeStrategy");
        return asMap(strategy);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> asMap(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    static Object path(Object root, String... keys) {
        Object current = root;
        for (String k : keys) {
            current = asMap(current).get(k);
        }
        return current;
    }

    /** A deep copy, for code that changes what it read. */
    static <T> T copy(T object) {
        return Serialization.clone(object);
    }
}
