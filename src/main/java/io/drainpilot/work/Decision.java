package io.drainpilot.work;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** What the planner makes of one VMI on a draining node; the routes branch on {@link #outcome()}. */
public sealed interface Decision {
    /** How many targets a line names before "and N other nodes". */
    int SHOWN = 5;
    /** How many per-node reasons a summary names before "and N more nodes". */
    int SHOWN_REASONS = 10;

    static String firstOf(List<String> items, int shown, String rest) {
        return items.size() <= shown ? String.join(", ", items)
                : String.join(", ", items.subList(0, shown)) + " and " + (items.size() - shown) + rest;
    }

    /** One readable line for logs, Events and the plan preview. */
    String describe();

    /** The fixed wire name: Migrate, NotMigratable, NoCompatibleTarget or NoSafeTarget. */
    String outcome();

    /** Migrate; KubeVirt picks the node, the ranking says which DrainPilot prefers (best first). */
    record Migrate(List<String> rankedTargets, String cpuMode) implements Decision {
        public Migrate {
            rankedTargets = List.copyOf(rankedTargets);
        }

        /** The best few targets; a large cluster's full list would drown the plan log. */
        @Override
        public String describe() {
            return "migrate (cpu " + cpuMode + ") to " + firstOf(rankedTargets, SHOWN, " other nodes");
        }

        @Override
        public String outcome() {
            return "Migrate";
        }
    }

    /** The VMI cannot be live-migrated whatever the target; recovery decides. */
    record NotMigratable(String reason) implements Decision {
        @Override
        public String describe() {
            return "not migratable: " + reason;
        }

        @Override
        public String outcome() {
            return "NotMigratable";
        }
    }

    /**
     * A host-passthrough VM where KubeVirt cannot be told the target (before 1.6) and some node it might pick has a
     * different CPU: the migration would be a gamble that fails inside libvirt.
     */
    record NoSafeTarget(String reason) implements Decision {
        @Override
        public String describe() {
            return "no safe target: " + reason;
        }

        @Override
        public String outcome() {
            return "NoSafeTarget";
        }
    }

    /** The VMI could move, but no node passes every rule; the reasons per node are sorted by node name. */
    record NoCompatibleTarget(Map<String, String> reasonPerNode) implements Decision {
        public NoCompatibleTarget {
            reasonPerNode = Collections.unmodifiableMap(new TreeMap<>(reasonPerNode));
        }

        /** {@code node-2: lacks ...; node-3: cordoned, draining}. */
        public String summary() {
            if (reasonPerNode.isEmpty()) {
                return "no other nodes";
            }
            List<String> lines = reasonPerNode.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue()).toList();
            return lines.size() <= SHOWN_REASONS ? String.join("; ", lines)
                    : String.join("; ", lines.subList(0, SHOWN_REASONS)) + "; and " + (lines.size() - SHOWN_REASONS)
                            + " more nodes";
        }

        @Override
        public String describe() {
            return "no compatible target: " + summary();
        }

        @Override
        public String outcome() {
            return "NoCompatibleTarget";
        }
    }
}
