package io.drainpilot.plan;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The nodes whose part of the RUNNING Harvester upgrade has succeeded: targets to prefer, so a VM moves once. A
 * finished upgrade (its {@code Completed} condition set, True or False) counts for nothing: its nodes are not
 * "upgraded" for the next one. Pure.
 */
public final class UpgradedNodes {
    private UpgradedNodes() {
    }

    public static Set<String> of(Collection<GenericKubernetesResource> upgrades) {
        Set<String> out = new TreeSet<>();
        for (GenericKubernetesResource u : upgrades) {
            Object st = u.getAdditionalProperties().get("status");
            if (!(st instanceof Map<?, ?> s) || !(s.get("nodeStatuses") instanceof Map<?, ?> perNode) || finished(s)) {
                continue;
            }
            perNode.forEach((node, ns) -> {
                if (ns instanceof Map<?, ?> m && "Succeeded".equals(m.get("state"))) {
                    out.add(String.valueOf(node));
                }
            });
        }
        return out;
    }

    /** An upgrade whose Completed condition is set (True or False) is over. */
    private static boolean finished(Map<?, ?> status) {
        return status.get("conditions") instanceof List<?> conditions && conditions.stream()
                .anyMatch(c -> c instanceof Map<?, ?> m && "Completed".equals(m.get("type"))
                        && ("True".equals(m.get("status")) || "False".equals(m.get("status"))));
    }
}
