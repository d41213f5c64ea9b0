package io.drainpilot.work;

import io.drainpilot.kubevirt.ClusterApi;
import io.drainpilot.names.Bookkeeping;
import io.drainpilot.names.Names;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * Writes a node's {@code drainpilot.io/evacuation}, its summary and the drain's outcome record, shared by every stage.
 * Each change is a function of the annotations as they are at write time (re-applied after a conflict), and
 * outcomes are a map with one entry per VM: writing one twice (a redelivery, a second replica) counts it once.
 *
 * <p>Successful migrations are only noted here ({@link #note}) and written with the node's next status write: until
 * then their migration object (kept until the drain is released) is the record, so nothing is lost if the process
 * stops. That write comes at least every {@link #QUIET}, and at once when the state changes or the drain is about to
 * be released, so a 40-VM node costs a handful of node writes, not one per VM and count change.
 */
public class NodeStatus {
    /** The shortest time between two node writes that change only counts or add noted outcomes. */
    public static final Duration QUIET = Duration.ofSeconds(1);

    private final ClusterApi api;
    private final Clock clock;
    private final Map<String, Map<String, Outcome>> noted = new ConcurrentHashMap<>();
    private final Map<String, Instant> lastWrite = new ConcurrentHashMap<>();

    public NodeStatus(ClusterApi api, Clock clock) {
        this.api = api;
        this.clock = clock;
    }

    /** A new drain: its id, state InProgress, a fresh summary and outcome record. */
    public void startDrain(String node, String drainId) {
        startDrain(node, drainId, java.util.List.of());
    }

    /** A new drain with the signals that asked for it: its id, state InProgress, fresh summary, outcomes and alerts. */
    public void startDrain(String node, String drainId, java.util.List<String> signals) {
        noted.remove(node);
        String now = now();
        Map<String, String> ann = new HashMap<>();
        ann.put(Names.EVACUATION, Names.IN_PROGRESS);
        ann.put(Names.EVACUATION_SUMMARY, EvacuationSummary.started(now).toJson());
        ann.put(Bookkeeping.DRAIN_ID, drainId);
        ann.put(Bookkeeping.OUTCOMES, null);
        ann.put(Bookkeeping.ALERTS, null);
        ann.put(Bookkeeping.SIGNALS, signals.isEmpty() ? null : signalsJson(signals));
        api.annotateNode(node, ann);
        lastWrite.put(node, clock.instant());
    }

    /** A VM's outcome, written with the node's next status write (its migration object keeps it until then). */
    public void note(String node, String vmKey, Outcome outcome) {
        noted.computeIfAbsent(node, n -> new ConcurrentHashMap<>()).put(vmKey, outcome);
    }

    private static String signalsJson(java.util.List<String> signals) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(signals);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The signals recorded when the node's current drain started (empty when none are). */
    public static java.util.List<String> signalsOf(Map<String, String> nodeAnnotations) {
        String json = nodeAnnotations.get(Bookkeeping.SIGNALS);
        if (json == null || json.isBlank()) {
            return java.util.List.of();
        }
        try {
            return java.util.List.of(new com.fasterxml.jackson.databind.ObjectMapper().readValue(json, String[].class));
        } catch (Exception e) {
            return java.util.List.of();
        }
    }

    /** Outcomes noted and not written yet. */
    public Map<String, Outcome> noted(String node) {
        return Map.copyOf(noted.getOrDefault(node, Map.of()));
    }

    /** Records what happened to one VM in the current drain at once and recounts the summary. */
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
        lastWrite.put(node, clock.instant());
    }

    /** As {@link #update(String, String, UnaryOperator, boolean)}, written now. */
    public void update(String node, String state, UnaryOperator<EvacuationSummary> change) {
        update(node, state, change, true);
    }

    /**
     * The node's state and summary, with the outcomes noted since the last write.
     *
     * @param state  the new evacuation state, or null to keep the current one; never replaces Cancelled
     * @param change how the summary changes; it receives the current one (a fresh one if there is none)
     * @param now    write now; false: skip when the last write is more recent than {@link #QUIET}
     */
    public void update(String node, String state, UnaryOperator<EvacuationSummary> change, boolean now) {
        Instant at = clock.instant();
        Instant last = lastWrite.get(node);
        if (!now && last != null && at.isBefore(last.plus(QUIET))) {
            return;
        }
        Map<String, Outcome> toWrite = noted(node);
        api.updateNodeAnnotations(node, current -> {
            Map<String, Outcome> outcomes = Outcome.parse(current.get(Bookkeeping.OUTCOMES));
            boolean newOutcomes = false;
            for (Map.Entry<String, Outcome> e : toWrite.entrySet()) {
                newOutcomes |= outcomes.putIfAbsent(e.getKey(), e.getValue()) == null;
            }
            EvacuationSummary before = EvacuationSummary.parse(current.get(Names.EVACUATION_SUMMARY));
            EvacuationSummary base = before == null ? EvacuationSummary.started(now()) : before;
            EvacuationSummary after = change.apply(base.withOutcomes(outcomes));
            Map<String, String> out = new HashMap<>();
            String was = current.get(Names.EVACUATION);
            boolean keepCancelled = blockedOverCancel(was, state, current.get(Names.CANCEL));
            if (state != null && !state.equals(was) && !keepCancelled) {
                out.put(Names.EVACUATION, state);
            }
            if (newOutcomes) {
                out.put(Bookkeeping.OUTCOMES, Outcome.toJson(outcomes));
            }
            if (before == null || !before.sameCounts(after) || EvacuationSummary.etaMoved(before, after, at)) {
                out.put(Names.EVACUATION_SUMMARY, after.at(now()).toJson());
            }
            return out;
        });
        Map<String, Outcome> left = noted.get(node);
        if (left != null) {
            toWrite.forEach(left::remove);
        }
        lastWrite.put(node, at);
    }

    /**
     * Whether writing {@code state} over {@code was} would hide a cancel: Cancelled is kept against anything but a
     * new drain (InProgress) or Completed, and Blocked is never written while the node asks for a cancel that is not
     * recorded yet. Pure.
     */
    static boolean blockedOverCancel(String was, String state, String cancelAnnotation) {
        if (Names.CANCELLED.equals(was)) {
            return !Names.CANCELLED.equals(state) && !Names.IN_PROGRESS.equals(state) && !Names.COMPLETED.equals(state);
        }
        return Names.BLOCKED.equals(state) && "true".equals(cancelAnnotation);
    }

    /** A node that is gone: what was noted for it and when it was written are dropped. */
    public void forget(String node) {
        noted.remove(node);
        lastWrite.remove(node);
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
