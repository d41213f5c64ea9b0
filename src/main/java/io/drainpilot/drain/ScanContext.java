package io.drainpilot.drain;

import io.drainpilot.cpu.NodeCpuLabels;
import io.drainpilot.kubevirt.ClusterApi;
import io.drainpilot.kubevirt.KubeVirt;
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
 * drain needs (VMIs, migrations, upgrades) are read lazily, so a scan with no drain costs two list calls, and a
 * drain never lists every VMI of the cluster: only those of the draining node and of a few candidate targets.
 */
public class ScanContext {
    /** How many candidate targets get their free memory measured per scan. */
    static final int MEMORY_CANDIDATES = 8;

    private final ClusterApi api;
    private final List<Node> nodes;
    private final Set<String> drainingNodes;
    private final NodeCpuLabels cpuLabels = new NodeCpuLabels();
    private final Set<String> outOfSlots = new HashSet<>();
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

    /** The nodes' CPU labels, parsed once per scan whatever the number of VMs planned. */
    public NodeCpuLabels cpuLabels() {
        return cpuLabels;
    }

    /**
     * A VM of {@code node} had to wait for a free slot (outbound or cluster-wide cap) in this pass: the VMs after it
     * in the plan's order wait too, even if a slot frees a moment later, so the order (upgrade-repo first, then
     * drainpilot.vm.order) holds. The next pass starts from the first VM again.
     */
    public synchronized void noSlotFor(String node) {
        outOfSlots.add(node);
    }

    public synchronized boolean waitsForSlot(String node) {
        return outOfSlots.contains(node);
    }

    public Set<String> drainingNodes() {
        return Set.copyOf(drainingNodes);
    }

    /**
     * Free memory (allocatable minus what the VMIs there ask for) of the {@link #MEMORY_CANDIDATES} schedulable,
     * non-draining nodes with the most allocatable memory: the targets the ranking can prefer. Other nodes stay
     * unknown, which the planner ranks after the known ones but never rejects. Costs one label-selected list per
     * candidate, whatever the size of the cluster.
     */
    public synchronized Map<String, Long> freeMemory() {
        if (freeMemory == null) {
            freeMemory = new HashMap<>();
            // each node's allocatable memory parsed once, not once per comparison of the sort
            Map<String, Long> allocatable = new java.util.LinkedHashMap<>(); // node-list order breaks ties, as before
            nodes.stream()
                    .filter(n -> !drainingNodes.contains(n.getMetadata().getName()))
                    .filter(n -> n.getSpec() == null || !Boolean.TRUE.equals(n.getSpec().getUnschedulable()))
                    .forEach(n -> allocatable.put(n.getMetadata().getName(), allocatableMemory(n)));
            allocatable.entrySet().stream()
                    .filter(e -> e.getValue() > 0)
                    .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                    .limit(MEMORY_CANDIDATES)
                    .forEach(e -> {
                        long used = api.vmisOnNode(e.getKey()).stream()
                                .mapToLong(v -> VmiMemory.bytes(v).orElse(0L)).sum();
                        freeMemory.put(e.getKey(), e.getValue() - used);
                    });
        }
        return freeMemory;
    }

    private static long allocatableMemory(Node n) {
        Quantity q = n.getStatus() == null || n.getStatus().getAllocatable() == null ? null
                : n.getStatus().getAllocatable().get("memory");
        return q == null ? 0 : Quantity.getAmountInBytes(q).longValue();
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
