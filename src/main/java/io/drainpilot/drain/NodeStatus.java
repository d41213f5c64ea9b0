package io.drainpilot.drain;

import io.drainpilot.names.Names;
import io.drainpilot.kubevirt.ClusterApi;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Writes a node's {@code drainpilot.io/evacuation} and {@code drainpilot.io/evacuation-summary}. Several stages
 * update the summary concurrently (scan counts, await counts successes, recovery counts fallbacks): each change
 * is a function of the summary as it is in the cluster at write time, so no update is lost.
 */
public class NodeStatus {
    private final ClusterApi api;

    public NodeStatus(ClusterApi api) {
        this.api = api;
    }

    /**
     * @param state  the new evacuation state, or null to keep the current one
     * @param change how the summary changes; it receives the current one (a fresh one if there is none)
     */
    public void update(String node, String state, UnaryOperator<EvacuationSummary> change) {
        api.updateNodeAnnotations(node, current -> {
            EvacuationSummary before = EvacuationSummary.parse(current.get(Names.EVACUATION_SUMMARY));
            EvacuationSummary after = change.apply(before == null ? EvacuationSummary.started(now()) : before);
            Map<String, String> out = new HashMap<>();
            if (state != null && !state.equals(current.get(Names.EVACUATION))) {
                out.put(Names.EVACUATION, state);
            }
            if (before == null || !before.sameCounts(after)) {
                out.put(Names.EVACUATION_SUMMARY, after.at(now()).toJson());
            }
            return out;
        });
    }

    static String now() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
