package io.drainpilot.observe;

import io.drainpilot.names.Bookkeeping;
import io.drainpilot.names.Names;
import io.drainpilot.work.EvacuationSummary;
import io.fabric8.kubernetes.api.model.Node;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The drains that ended lately, for the status page. The leader keeps what its evaluations saw end (memory only, the
 * last {@link #LIMIT}); every replica rebuilds the rest from the nodes' annotations ({@link #fromNodes}): a node keeps
 * its {@code drainpilot.io/evacuation-summary} and drain id after its drain, so a restarted or following replica
 * still lists it. The node annotations stay the record; this list is a view of them.
 */
public final class DrainHistory {
    /** At most this many drains are listed (the most recently ended first). */
    public static final int LIMIT = 20;

    /** How a drain ended, as the status JSON spells it. */
    public enum Outcome {
        /** Every VM moved or got its fallback, and the drain was released. */
        COMPLETED("Completed"),
        /** {@code drainpilot.io/cancel} stopped it. */
        CANCELLED("Cancelled"),
        /** The drain signal (or the Node) went away before the drain completed. */
        WITHDRAWN("Withdrawn"),
        /** Rebuilt from a node whose evacuation state is gone: it ended, how is not recorded (the counts say). */
        ENDED("Ended");

        private final String wire;

        Outcome(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }
    }

    /**
     * One ended drain.
     *
     * @param drainId   the node's {@code drainpilot.io/drain-id} for this drain, null when unknown (a dry run)
     * @param lastState the node's evacuation state when the drain ended
     * @param summary   the node's summary as last seen (its counts), or null
     * @param source    {@code memory} (this replica saw it end) or {@code annotations} (rebuilt from the Node)
     */
    public record Entry(String node, String drainId, Outcome outcome, String lastState, String startedAt,
            String endedAt, EvacuationSummary summary, String source) {
        String key() {
            return node + "/" + (drainId != null ? drainId : startedAt != null ? startedAt : endedAt);
        }
    }

    private final Deque<Entry> entries = new ArrayDeque<>();

    /** Records a drain this replica saw end; a second report of the same drain changes nothing. */
    public synchronized void ended(String node, String drainId, Outcome outcome, String lastState,
            EvacuationSummary summary, Instant now) {
        String startedAt = summary == null ? null : summary.startedAt();
        Entry e = new Entry(node, drainId, outcome, lastState, startedAt, now.toString(), summary, "memory");
        if (entries.stream().anyMatch(x -> x.key().equals(e.key()))) {
            return;
        }
        entries.addFirst(e);
        while (entries.size() > LIMIT) {
            entries.removeLast();
        }
    }

    public synchronized List<Entry> entries() {
        return List.copyOf(entries);
    }

    /**
     * The drains that ended on these nodes as their annotations tell: a node with a summary and a drain id whose
     * evacuation state is {@code Completed} or {@code Cancelled}, or gone (the drain signal went away). A node still
     * {@code InProgress} or {@code Blocked} is no history. The end is the summary's last update.
     */
    public static List<Entry> fromNodes(List<Node> nodes) {
        return fromNodes(nodes, new Summaries(), Integer.MAX_VALUE);
    }

    /**
     * The nodes' summaries parsed, each parsed again only when its text changed: after an upgrade every node carries
     * one, and the status is asked every 2 s by each open page.
     */
    public static final class Summaries {
        private record Parsed(String json, EvacuationSummary summary, Instant updated) {
        }

        private final Map<String, Parsed> byNode = new java.util.concurrent.ConcurrentHashMap<>();

        Parsed of(String node, String json) {
            Parsed p = byNode.get(node);
            if (p == null || !p.json().equals(json)) {
                EvacuationSummary summary = EvacuationSummary.parse(json);
                p = new Parsed(json, summary, summary == null ? Instant.EPOCH : instant(summary.updatedAt()));
                byNode.put(node, p);
            }
            return p;
        }

        void retain(java.util.Set<String> nodes) {
            byNode.keySet().retainAll(nodes);
        }
    }

    /**
     * As {@link #fromNodes(List)}, parsing through a cache kept between calls, and only the {@code newest} that ended
     * last (the newest first).
     */
    public static List<Entry> fromNodes(List<Node> nodes, Summaries summaries, int newest) {
        java.util.Set<String> seen = new java.util.HashSet<>();
        record Ended(Node node, String drainId, Outcome outcome, String state, Summaries.Parsed parsed) {
        }
        List<Ended> found = new ArrayList<>();
        for (Node n : nodes) {
            Map<String, String> a = n.getMetadata() == null ? null : n.getMetadata().getAnnotations();
            if (a == null) {
                continue;
            }
            String drainId = a.get(Bookkeeping.DRAIN_ID);
            String state = a.get(Names.EVACUATION);
            Outcome outcome = state == null ? Outcome.ENDED
                    : Names.COMPLETED.equals(state) ? Outcome.COMPLETED
                    : Names.CANCELLED.equals(state) ? Outcome.CANCELLED : null;
            if (drainId == null || outcome == null) {
                continue; // not one of our drains, or still running (a card, not history)
            }
            String json = a.get(Names.EVACUATION_SUMMARY);
            if (json == null) {
                continue;
            }
            seen.add(n.getMetadata().getName());
            Summaries.Parsed p = summaries.of(n.getMetadata().getName(), json);
            if (p.summary() != null) {
                found.add(new Ended(n, drainId, outcome, state, p));
            }
        }
        summaries.retain(seen);
        return found.stream()
                .sorted(Comparator.comparing((Ended e) -> e.parsed().updated()).reversed()
                        .thenComparing(e -> e.node().getMetadata().getName()))
                .limit(newest)
                .map(e -> new Entry(e.node().getMetadata().getName(), e.drainId(), e.outcome(), e.state(),
                        e.parsed().summary().startedAt(), e.parsed().summary().updatedAt(), e.parsed().summary(),
                        "annotations"))
                .toList();
    }

    /**
     * What this replica saw end, completed by what the nodes say (its own entry wins for the same drain), the most
     * recently ended first, at most {@link #LIMIT}.
     */
    public static List<Entry> merge(List<Entry> remembered, List<Entry> rebuilt) {
        Map<String, Entry> byKey = new LinkedHashMap<>();
        remembered.forEach(e -> byKey.putIfAbsent(e.key(), e));
        rebuilt.forEach(e -> byKey.putIfAbsent(e.key(), e));
        // each end parsed once, not at every comparison: after an upgrade every node has one
        record Ended(Entry entry, Instant at) {
        }
        return byKey.values().stream().map(e -> new Ended(e, instant(e.endedAt())))
                .sorted(Comparator.comparing(Ended::at).reversed().thenComparing(x -> x.entry().node()))
                .limit(LIMIT).map(Ended::entry).toList();
    }

    private static Instant instant(String rfc3339) {
        try {
            return rfc3339 == null ? Instant.EPOCH : Instant.parse(rfc3339);
        } catch (java.time.format.DateTimeParseException e) {
            return Instant.EPOCH;
        }
    }
}
