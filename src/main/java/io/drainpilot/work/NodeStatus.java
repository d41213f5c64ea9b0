package io.drainpilot.work;

import io.drainpilot.kubevirt.ClusterApi;
import io.drainpilot.names.Bookkeeping;
import io.drainpilot.names.Names;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Writes a node's {@code drainpilot.io/evacuation}, its summary and the drain's outcome record. Each change is a
 * function of the annotations as they are at write time (re-applied after a conflict), and outcomes are a map with
 * one entry per VM: writing one twice (a redelivery, a second replica) counts it once.
 */
public class NodeStatus {
    private final ClusterApi api;

    public NodeStatus(ClusterApi api) {
        this.api = api;
    }

    /** A new drain: its id, state InProgress, a fresh summary and outcome record. */
    public void startDrain(String node, String drainId) {
        String now = now();
        Map<String, String> ann = new HashMap<>();
        ann.put(Names.EVACUATION, Names.IN_PROGRESS);
        ann.put(Names.EVACUATION_SUMMARY, EvacuationSummary.started(now).toJson());
        ann.put(Bookkeeping.DRAIN_ID, drainId);
        ann.put(Bookkeeping.OUTCOMES, null);
        api.annotateNode(node, ann);
    }

    /** Records what happened to one VM in the current drain and recounts the summary. */
    public void record(String node, String vmKey, Outcome outcome) {
        record(node, vmKey, outcome, false);
    }

    /** As {@link #record}, unless something is recorded for the VM already. */
    public void recordIfAbsent(String node, String vmKey, Outcome outcome) {
        record(node, vmKey, outcome, true);
    }

    private void record(String node, String vmKey, Outcome outcome, boolean ifAbsent) {
        api.updateNodeAnnotations(node, current -> {
            Map<String, Outcome> outcomes = Outcome.parse(current.get(Bookkeeping.OUTCOMES));
            if (outcomes.get(vmKey) == outcome || (ifAbsent && outcomes.containsKey(vmKey))) {
                return Map.of();
            }
            outcomes.put(vmKey, outcome);
            EvacuationSummary before = summaryOf(current);
            Map<String, String> out = new HashMap<>();
            out.put(Bookkeeping.OUTCOMES, Outcome.toJson(outcomes));
            out.put(Names.EVACUATION_SUMMARY, before.withOutcomes(outcomes).at(now()).toJson());
            return out;
        });
    }

    /**
     * @param state  the new evacuation state, or null to keep the current one; never replaces Cancelled
     * @param change how the summary changes; it receives the current one (a fresh one if there is none)
     */
    public void update(String node, String state, UnaryOperator<EvacuationSummary> change) {
        api.updateNodeAnnotations(node, current -> {
            EvacuationSummary before = EvacuationSummary.parse(current.get(Names.EVACUATION_SUMMARY));
            EvacuationSummary base = before == null ? EvacuationSummary.started(now()) : before;
            EvacuationSummary after = change.apply(base.withOutcomes(Outcome.parse(current.get(Bookkeeping.OUTCOMES))));
            Map<String, String> out = new HashMap<>();
            String was = current.get(Names.EVACUATION);
            boolean keepCancelled = Names.CANCELLED.equals(was) && !Names.CANCELLED.equals(state)
                    && !Names.IN_PROGRESS.equals(state) && !Names.COMPLETED.equals(state);
            if (state != null && !state.equals(was) && !keepCancelled) {
                out.put(Names.EVACUATION, state);
            }
            if (before == null || !before.sameCounts(after)) {
                out.put(Names.EVACUATION_SUMMARY, after.at(now()).toJson());
            }
            return out;
        });
    }

    public static Map<String, Outcome> outcomesOf(Map<String, String> nodeAnnotations) {
        return Outcome.parse(nodeAnnotations.get(Bookkeeping.OUTCOMES));
    }

    private static EvacuationSummary summaryOf(Map<String, String> annotations) {
        EvacuationSummary s = EvacuationSummary.parse(annotations.get(Names.EVACUATION_SUMMARY));
        return s == null ? EvacuationSummary.started(now()) : s;
    }

    static String now() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
