package io.drainpilot.plan;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What the planner knows besides the objects themselves.
 *
 * @param drainingNodes              nodes being drained now: never targets
 * @param freeMemoryBytes            free memory per node: allocatable minus the memory requests of the VMIs on it; a node
 *                                   missing here is unknown and not rejected
 * @param upgradedNodes              nodes that finished the running Harvester upgrade, preferred so a VM moves
 *                                   once per upgrade; empty when no upgrade runs
 * @param respectEvictionStrategyNone true: a VMI with {@code evictionStrategy: None} is not migrated
 * @param steering                   the migration can name its target (KubeVirt 1.6+); without it a host-passthrough
 *                                   VM is only safe when no node KubeVirt might choose has a different CPU
 * @param sameCpuVendor              KubeVirt 1.8+: every migration target gets the source node's
 *                                   {@code cpu-vendor.node.kubevirt.io/<V>} selector, so only nodes of that vendor fit
 * @param arrivingMemoryBytes        per node, the memory requests of the VMIs on their way there (migrations not
 *                                   finished whose target it is): taken from its free memory
 * @param upgradeOrder               the running upgrade's node order (empty when none runs): among nodes not upgraded
 *                                   yet, the one upgraded last is preferred, so a VM that cannot go to an upgraded node
 *                                   moves again as late as possible, once
 */
public record PlanInputs(Set<String> drainingNodes, Map<String, Long> freeMemoryBytes, Set<String> upgradedNodes,
                         boolean respectEvictionStrategyNone, boolean steering, boolean sameCpuVendor,
                         Map<String, Long> arrivingMemoryBytes, List<String> upgradeOrder) {

    public PlanInputs(Set<String> drainingNodes, Map<String, Long> freeMemoryBytes, Set<String> upgradedNodes,
            boolean respectEvictionStrategyNone, boolean steering, boolean sameCpuVendor,
            Map<String, Long> arrivingMemoryBytes) {
        this(drainingNodes, freeMemoryBytes, upgradedNodes, respectEvictionStrategyNone, steering, sameCpuVendor,
                arrivingMemoryBytes, List.of());
    }

    public PlanInputs(Set<String> drainingNodes, Map<String, Long> freeMemoryBytes, Set<String> upgradedNodes,
            boolean respectEvictionStrategyNone, boolean steering, Map<String, Long> arrivingMemoryBytes) {
        this(drainingNodes, freeMemoryBytes, upgradedNodes, respectEvictionStrategyNone, steering, false,
                arrivingMemoryBytes);
    }

    public PlanInputs(Set<String> drainingNodes, Map<String, Long> freeMemoryBytes, Set<String> upgradedNodes,
            boolean respectEvictionStrategyNone, boolean steering, boolean sameCpuVendor) {
        this(drainingNodes, freeMemoryBytes, upgradedNodes, respectEvictionStrategyNone, steering, sameCpuVendor,
                Map.of());
    }

    public PlanInputs(Set<String> drainingNodes, Map<String, Long> freeMemoryBytes, Set<String> upgradedNodes,
            boolean respectEvictionStrategyNone) {
        this(drainingNodes, freeMemoryBytes, upgradedNodes, respectEvictionStrategyNone, true);
    }

    public PlanInputs(Set<String> drainingNodes, Map<String, Long> freeMemoryBytes, Set<String> upgradedNodes,
            boolean respectEvictionStrategyNone, boolean steering) {
        this(drainingNodes, freeMemoryBytes, upgradedNodes, respectEvictionStrategyNone, steering, false);
    }

    public PlanInputs {
        drainingNodes = drainingNodes == null ? Set.of() : Set.copyOf(drainingNodes);
        upgradedNodes = upgradedNodes == null ? Set.of() : Set.copyOf(upgradedNodes);
        freeMemoryBytes = freeMemoryBytes == null ? Map.of() : freeMemoryBytes.entrySet().stream()
                .filter(e -> e.getKey() != null && e.getValue() != null)
                .collect(Collectors.toUnmodifiableMap(Map.Entry::getKey, Map.Entry::getValue));
        upgradeOrder = upgradeOrder == null ? List.of() : List.copyOf(upgradeOrder);
        arrivingMemoryBytes = arrivingMemoryBytes == null ? Map.of() : arrivingMemoryBytes.entrySet().stream()
                .filter(e -> e.getKey() != null && e.getValue() != null)
                .collect(Collectors.toUnmodifiableMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    /** The node's room: free memory minus what is arriving; null when its free memory is unknown. */
    public Long roomBytes(String node) {
        Long free = freeMemoryBytes.get(node);
        return free == null ? null : free - arrivingMemoryBytes.getOrDefault(node, 0L);
    }

    /**
     * The same inputs with {@code bytes} more arriving on {@code node}: what a VM planned there in this evaluation
     * takes from the room later VMs see. Zero or an unknown node changes nothing.
     */
    public PlanInputs withArriving(String node, long bytes) {
        if (node == null || bytes <= 0) {
            return this;
        }
        Map<String, Long> arriving = new java.util.HashMap<>(arrivingMemoryBytes);
        arriving.merge(node, bytes, Long::sum);
        return new PlanInputs(drainingNodes, freeMemoryBytes, upgradedNodes, respectEvictionStrategyNone, steering,
                sameCpuVendor, arriving, upgradeOrder);
    }

    /**
     * How late the node's own upgrade comes, for the ranking (higher is better): a node already upgraded, or not in the
     * upgrade at all, keeps what it takes; among the rest, the later its turn the better. 0 for every node when no
     * upgrade runs.
     */
    public int upgradeTurn(String node) {
        if (upgradeOrder.isEmpty()) {
            return 0;
        }
        int i = upgradeOrder.indexOf(node);
        return i < 0 || upgradedNodes.contains(node) ? upgradeOrder.size() : i;
    }

    /** The room of every node whose free memory is known. */
    public Map<String, Long> roomBytes() {
        return freeMemoryBytes.keySet().stream().collect(Collectors.toUnmodifiableMap(n -> n, this::roomBytes));
    }
}
