package io.drainpilot.plan;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which of a node's migratable VMs may start a migration now, within the caps (cluster-wide, out of the node, into
 * each target) counted against everything already in flight, and to which target. VMs come in the plan's order;
 * once one waits for a slot every VM of the node shares (outbound, cluster-wide), the VMs after it wait too, so the
 * order (upgrade-repo first, then drainpilot.vm.order) holds even when a slot frees a moment later. A VM waiting only
 * for room on its own targets (inbound cap, or memory already promised to VMs before it in this pass) lets later VMs
 * with other targets go ahead. Pure.
 */
public final class SlotBudget {

    /**
     * @param vmKey         namespace/name
     * @param rankedTargets best first; used only when the migration names its target (steering)
     * @param memoryBytes   what its target pod requests; 0 when unknown
     */
    public record Candidate(String vmKey, List<String> rankedTargets, long memoryBytes) {
        public Candidate(String vmKey, List<String> rankedTargets) {
            this(vmKey, rankedTargets, 0);
        }
    }

    /** Start (to {@code target}, null when KubeVirt chooses) or wait ({@code waitReason}). */
    public record Slot(String vmKey, String target, String waitReason) {
        public boolean starts() {
            return waitReason == null;
        }
    }

    private SlotBudget() {
    }

    public static List<Slot> assign(MigrationLimits limits, InFlightMigrations inFlight, String source, boolean steer,
            List<Candidate> ordered) {
        return assign(limits, inFlight, source, steer, ordered, Map.of());
    }

    /**
     * @param roomBytes per node, the memory left for new arrivals ({@link PlanInputs#roomBytes()}); a node missing is
     *                  unknown and never refused for room. Each start steered to a node takes its memory from it.
     */
    public static List<Slot> assign(MigrationLimits limits, InFlightMigrations inFlight, String source, boolean steer,
            List<Candidate> ordered, Map<String, Long> roomBytes) {
        int total = inFlight.total();
        int out = inFlight.outOf(source);
        Map<String, Integer> into = new HashMap<>();
        Map<String, Long> room = new HashMap<>(roomBytes);
        List<Slot> slots = new ArrayList<>(ordered.size());
        String heldBack = null;
        for (Candidate c : ordered) {
            if (heldBack != null) {
                slots.add(new Slot(c.vmKey(), null, "a VM before it in the order waits for a slot (" + heldBack + ")"));
                continue;
            }
            if (total >= limits.cluster()) {
                heldBack = "cluster-wide cap " + limits.cluster();
                slots.add(new Slot(c.vmKey(), null, heldBack));
                continue;
            }
            if (out >= limits.outboundPerNode()) {
                heldBack = "outbound cap " + limits.outboundPerNode() + " for " + source;
                slots.add(new Slot(c.vmKey(), null, heldBack));
                continue;
            }
            String target = null;
            if (steer) {
                List<String> underCap = c.rankedTargets().stream()
                        .filter(t -> inFlight.into(t) + into.getOrDefault(t, 0) < limits.inboundPerNode()).toList();
                target = underCap.stream()
                        .filter(t -> !room.containsKey(t) || room.get(t) >= c.memoryBytes())
                        .findFirst().orElse(null);
                if (target == null) {
                    slots.add(new Slot(c.vmKey(), null, underCap.isEmpty()
                            ? "inbound cap " + limits.inboundPerNode() + " on every compatible target"
                            : "the room left on every compatible target goes to VMs before it"));
                    continue;
                }
                into.merge(target, 1, Integer::sum);
                room.computeIfPresent(target, (t, r) -> r - c.memoryBytes());
            }
            total++;
            out++;
            slots.add(new Slot(c.vmKey(), target, null));
        }
        return slots;
    }
}
