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
 */
public record PlanInputs(Set<String> drainingNodes, Map<String, Long> freeMemoryBytes, Set<String> upgradedNodes,
                         boolean respectEvictionStrategyNone) {

    public PlanInputs {
        drainingNodes = drainingNodes == null ? Set.of() : Set.copyOf(drainingNodes);
        upgradedNodes = upgradedNodes == null ? Set.of() : Set.copyOf(upgradedNodes);
        freeMemoryBytes = freeMemoryBytes == null ? Map.of() : freeMemoryBytes.entrySet().stream()
                .filter(e -> e.getKey() != null && e.getValue() != null)
                .collect(Collectors.toUnmodifiableMap(Map.Entry::getKey, Map.Entry::getValue));
    }
}
