package io.drainpilot.drain;

import io.drainpilot.kubevirt.ClusterApi;
import io.drainpilot.kubevirt.KubeVirt;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.kubevirt.VirtualMachineInstanceMigration;
import io.drainpilot.migrate.InFlightMigrations;
import io.drainpilot.plan.VmiMemory;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Quantity;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What one scan knows about the cluster, read once and shared by every node it evacuates. The parts only a
 * drain needs (VMIs, migrations, upgrades) are read lazily, so a scan with no drain costs two list calls.
 */
public class ScanContext {
    private final ClusterApi api;
    private final List<Node> nodes;
    private final Set<String> drainingNodes;
    private Map<String, Long> freeMemory;
    private InFlightMigrations inFlight;
    private List<VirtualMachineInstanceMigration> migrations;
    private Optional<KubeVirt> kubeVirt;
    private Set<String> upgradedNodes;

    public ScanContext(ClusterApi api, List<Node> nodes, Set<String> drainingNodes) {
        this.api = api;
        this.nodes = List.copyOf(nodes);
        this.drainingNodes = drainingNodes; // filled by the scanner as it finds them
    }

    public List<Node> nodes() {
        return nodes;
    }

    public Set<String> drainingNodes() {
        return Set.copyOf(drainingNodes);
    }

    /** Allocatable memory minus what the VMIs running there ask for; nodes without allocatable are left out. */
    public synchronized Map<String, Long> freeMemory() {
        if (freeMemory == null) {
            Map<String, Long> used = new HashMap<>();
            for (VirtualMachineInstance vmi : api.allVmis()) {
                vmi.nodeName().ifPresent(n -> used.merge(n, VmiMemory.bytes(vmi).orElse(0L), Long::sum));
            }
            freeMemory = new HashMap<>();
            for (Node n : nodes) {
                Quantity q = n.getStatus() == null || n.getStatus().getAllocatable() == null ? null
                        : n.getStatus().getAllocatable().get("memory");
                if (q != null) {
                    long alloc = Quantity.getAmountInBytes(q).longValue();
                    freeMemory.put(n.getMetadata().getName(), alloc - used.getOrDefault(n.getMetadata().getName(), 0L));
                }
            }
        }
        return freeMemory;
    }

    public synchronized List<VirtualMachineInstanceMigration> migrations() {
        if (migrations == null) {
            migrations = api.migrations(null);
        }
        return migrations;
    }

    public synchronized InFlightMigrations inFlight() {
        if (inFlight == null) {
            inFlight = InFlightMigrations.of(migrations());
        }
        return inFlight;
    }

    public synchronized Optional<KubeVirt> kubeVirt() {
        if (kubeVirt == null) {
            kubeVirt = api.kubeVirt();
        }
        return kubeVirt;
    }

    /** Nodes whose part of the running Harvester upgrade has succeeded. */
    @SuppressWarnings("unchecked")
    public synchronized Set<String> upgradedNodes() {
        if (upgradedNodes == null) {
            upgradedNodes = new HashSet<>();
            for (GenericKubernetesResource u : api.harvesterUpgrades()) {
                Object status = u.getAdditionalProperties().get("status");
                if (!(status instanceof Map<?, ?> s) || !(s.get("nodeStatuses") instanceof Map<?, ?> perNode)) {
                    continue;
                }
                perNode.forEach((node, st) -> {
                    if (st instanceof Map<?, ?> m && "Succeeded".equals(m.get("state"))) {
                        upgradedNodes.add(String.valueOf(node));
                    }
                });
            }
        }
        return upgradedNodes;
    }
}
