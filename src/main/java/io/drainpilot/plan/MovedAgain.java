package io.drainpilot.plan;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The VMs migrated more than once during one upgrade: DrainPilot migrated them off two or more of the upgrade's
 * nodes. Each node's drain records the VMs it migrated away (its outcomes); the upgrade's nodes are those it has
 * started or DrainPilot is draining for it. Pure.
 */
public final class MovedAgain {
    private MovedAgain() {
    }

    /** @param migratedOff per node of the upgrade, the VMs (namespace/name) migrated off it in its drain */
    public static Set<String> of(Map<String, Set<String>> migratedOff) {
        Map<String, Integer> times = new HashMap<>();
        migratedOff.values().forEach(vms -> vms.forEach(vm -> times.merge(vm, 1, Integer::sum)));
        Set<String> out = new TreeSet<>();
        times.forEach((vm, n) -> {
            if (n > 1) {
                out.add(vm);
            }
        });
        return out;
    }
}
