package io.drainpilot.observe;

import io.drainpilot.names.Names;
import io.drainpilot.work.EvacuationSummary;
import io.fabric8.kubernetes.api.model.Node;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The draining nodes as their annotations show them, for a replica that does not evaluate (a follower): each node whose
 * {@code drainpilot.io/evacuation} is set (the leader removes it when the drain signal goes) with that state, its
 * {@code drainpilot.io/evacuation-summary} and the drain signals it carries now. No VM lines: those are the leader's
 * evaluation, which a follower does not run. A pure function of the cached nodes.
 */
public final class AnnotatedNodes {
    private static final Set<String> STATES = Set.of(Names.IN_PROGRESS, Names.BLOCKED, Names.CANCELLED, Names.COMPLETED);

    private AnnotatedNodes() {
    }

    /**
     * @param signals the drain signals of each of the given nodes, by node name (read from the view, no write)
     */
    public static List<StatusBoard.NodeCard> cards(List<Node> nodes, Function<List<Node>, Map<String, List<String>>> signals,
            Instant now) {
        List<Node> draining = nodes.stream().filter(n -> state(n) != null && STATES.contains(state(n))).toList();
        if (draining.isEmpty()) {
            return List.of();
        }
        Map<String, List<String>> found = signals.apply(draining);
        return draining.stream().map(n -> {
            String name = n.getMetadata().getName();
            EvacuationSummary s = EvacuationSummary.parse(n.getMetadata().getAnnotations().get(Names.EVACUATION_SUMMARY));
            return new StatusBoard.NodeCard(name, state(n), found.getOrDefault(name, List.of()), List.of(), now, s);
        }).sorted(Comparator.comparing(StatusBoard.NodeCard::node)).toList();
    }

    private static String state(Node n) {
        Map<String, String> a = n.getMetadata() == null ? null : n.getMetadata().getAnnotations();
        return a == null ? null : a.get(Names.EVACUATION);
    }
}
