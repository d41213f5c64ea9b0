package io.drainpilot.plan;

import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What the planner knows besides the objects themselves.
 *
 * @param drainingNodes              nodes being drained now: never targets
 * @param freeMemoryBytes            free memory per node; a node missing here is unknown and not rejected
 * @param upgradedNodes              nodes that finished the running Harvester upgrade, preferred so a VM moves
 *                                   once per upgrade; empty when no upgrade runs
 * @param respectEvictionStrategyNone true: a VMI with {@code evictionStrategy: None} is not migrated
 * @param steering                   the migration can name its target (KubeVirt 1.6+); without it a host-passthrough
 *                                   VM is only safe when no node KubeVirt might choose has a different CPU
 */
public record PlanInputs(Set<String> drainingNodes, Map<String, Long> freeMemoryBytes, Set<String> upgradedNodes,
                         boolean respectEvictionStrategyNone, boolean steering) {

    public PlanInputs(Set<String> drainingNodes, Map<String, Long> freeMemoryBytes, Set<String> upgradedNodes,
            boolean respectEvictionStrategyNone) {
        this(drainingNodes, freeMemoryBytes, upgradedNodes, respectEvictionStrategyNone, true);
    }

    public PlanInputs {
        drainingNodes = drainingNodes == null ? Set.of() : Set.copyOf(drainingNodes);
        upgradedNodes = upgradedNodes == null ? Set.of() : Set.copyOf(upgradedNodes);
        freeMemoryBytes = freeMemoryBytes == null ? Map.of() : freeMemoryBytes.entrySet().stream()
                .filter(e -> e.getKey() != null && e.getValue() != null)
                .collect(Collectors.toUnmodifiableMap(Map.Entry::getKey, Map.Entry::getValue));
    }
}
