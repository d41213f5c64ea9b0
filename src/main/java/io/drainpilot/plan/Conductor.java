package io.drainpilot.plan;

import io.drainpilot.names.Names;
import io.drainpilot.work.HarvesterUpgrade;

import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the conductor does to a running Harvester upgrade now. Pure.
 * <ul>
 *   <li>Every node that has not started its node upgrade is kept paused, until Rancher has asked for its drain
 *   (pre-drain on its plan Secret) and DrainPilot has evacuated it ({@code drainpilot.io/evacuation=Completed}):
 *   then it is handed back (unpaused) and Harvester's pre-drain job finds it empty.</li>
 *   <li>A node already pre-draining, drained, rebooting or done is never touched.</li>
 *   <li>A node whose evacuation is Blocked stays paused: a person decides (it is reported as held).</li>
 *   <li>Not conducting (conductor off, the Upgrade annotated off, or Harvester cannot pause): every node DrainPilot
 *   paused is handed back, and nothing else.</li>
 * </ul>
 * DrainPilot only ever unpauses what it paused itself: a node an administrator paused stays paused.
 */
public final class Conductor {

    /**
     * @param pause    nodes to add to the pause map
     * @param handBack nodes DrainPilot paused that go back to Harvester now
     * @param held     nodes held because their evacuation is Blocked
     */
    public record Actions(Set<String> pause, Set<String> handBack, Set<String> held) {
        public boolean isEmpty() {
            return pause.isEmpty() && handBack.isEmpty();
        }
    }

    private Conductor() {
    }

    /**
     * @param nodes       the cluster's nodes
     * @param evacuation  each node's {@code drainpilot.io/evacuation}, when it has one
     * @param drainAsked  nodes whose plan Secret carries Rancher's pre-drain now
     */
    public static Actions decide(HarvesterUpgrade upgrade, boolean conducting, Collection<String> nodes,
            Map<String, String> evacuation, Set<String> drainAsked) {
        Set<String> pause = new TreeSet<>();
        Set<String> handBack = new TreeSet<>();
        Set<String> held = new TreeSet<>();
        if (!conducting) {
            upgrade.pausedByUs().stream().filter(upgrade::paused).forEach(handBack::add);
            return new Actions(pause, handBack, held);
        }
        for (String node : nodes) {
            if (!upgrade.notStarted(node)) {
                continue; // its upgrade is under way or done: never touched
            }
            String state = evacuation.get(node);
            boolean asked = drainAsked.contains(node);
            if (asked && Names.COMPLETED.equals(state)) {
                if (upgrade.pausedByUs().contains(node) && upgrade.paused(node)) {
                    handBack.add(node);
                }
            } else {
                if (!upgrade.paused(node)) {
                    pause.add(node);
                }
                if (asked && Names.BLOCKED.equals(state)) {
                    held.add(node);
                }
            }
        }
        return new Actions(pause, handBack, held);
    }
}
