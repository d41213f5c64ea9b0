package io.drainpilot.alert;

import io.drainpilot.kubevirt.ClusterApi;
import io.drainpilot.names.Bookkeeping;
import io.drainpilot.names.Names;
import io.drainpilot.view.ClusterView;
import io.drainpilot.work.Alert;
import io.drainpilot.work.AlertNotes;
import io.fabric8.kubernetes.api.model.Node;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Notes an alert on its node while the node drains ({@code drainpilot.io/alerts}, bounded: {@link AlertNotes}), so the
 * drain's report lists it even when another replica writes the report. Alerts outside a drain (a VM restarted after
 * the release, a deleted node) are not noted. One node write per alert; a note that cannot be written is logged and
 * left out of the report, never holding up the alert.
 */
public class AlertNoter {
    private static final Logger LOG = LoggerFactory.getLogger(AlertNoter.class);
    private static final Set<String> DRAINING = Set.of(Names.IN_PROGRESS, Names.BLOCKED, Names.CANCELLED);

    private final ClusterView view;
    private final ClusterApi api;

    public AlertNoter(ClusterView view, ClusterApi api) {
        this.view = view;
        this.api = api;
    }

    public void note(Alert alert) {
        if (alert.node() == null || api.dryRun()) {
            return;
        }
        Optional<Node> node = view.node(alert.node());
        Map<String, String> a = node.map(n -> n.getMetadata().getAnnotations()).orElse(null);
        if (a == null || a.get(Bookkeeping.DRAIN_ID) == null || !draining(a.get(Names.EVACUATION))) {
            return;
        }
        try {
            api.updateNodeAnnotations(alert.node(), current -> {
                if (!draining(current.get(Names.EVACUATION))) {
                    return Map.of();
                }
                String next = AlertNotes.with(current.get(Bookkeeping.ALERTS), alert);
                return next == null ? Map.of() : Map.of(Bookkeeping.ALERTS, next);
            });
        } catch (io.drainpilot.kubevirt.WriteFence.NotLeaderException e) {
            throw e;
        } catch (RuntimeException e) {
            LOG.warn("could not note alert {} on node {} for its drain report: {}", alert.reason(), alert.node(),
                    e.getMessage());
        }
    }

    // Set.of(...).contains(null) throws: a drain whose signal went keeps its id but has no state any more
    private static boolean draining(String state) {
        return state != null && DRAINING.contains(state);
    }
}
