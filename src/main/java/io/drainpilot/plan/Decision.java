package io.drainpilot.plan;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** What to do with one VMI on a draining node; the routes branch on the record type. */
public sealed interface Decision {

    /** One readable line for logs, Events and the plan preview. */
    String describe();

    /** Migrate; KubeVirt picks the node, the ranking says which DrainPilot prefers (best first). */
    record Migrate(List<String> rankedTargets, String cpuMode) implements Decision {
        public Migrate {
            rankedTargets = List.copyOf(rankedTargets);
        }

        @Override
        public String describe() {
            return "migrate (cpu " + cpuMode + ") to " + String.join(", ", rankedTargets);
        }
    }

    /** The VMI cannot be live-migrated whatever the target; recovery decides. */
    record NotMigratable(String reason) implements Decision {
        @Override
        public String describe() {
            return "not migratable: " + reason;
        }
    }

    /** The VMI could move, but no node passes every rule; the reasons per node are sorted by node name. */
    record NoCompatibleTarget(Map<String, String> reasonPerNode) implements Decision {
        public NoCompatibleTarget {
            reasonPerNode = Collections.unmodifiableMap(new TreeMap<>(reasonPerNode));
        }

        /** {@code node-2: lacks ...; node-3: cordoned, draining}. */
        public String summary() {
            return reasonPerNode.isEmpty() ? "no other nodes" : reasonPerNode.entrySet().stream()
                    .map(e -> e.getKey() + ": " + e.getValue()).collect(Collectors.joining("; "));
        }

        @Override
        public String describe() {
            return "no compatible target: " + summary();
        }
    }
}
