package io.drainpilot.drain;

import io.drainpilot.kubevirt.ClusterApi;
import io.drainpilot.kubevirt.MigrationPhase;
import io.drainpilot.kubevirt.VirtualMachineInstanceMigration;
import io.drainpilot.names.Bookkeeping;
import io.drainpilot.plan.Triage;
import io.drainpilot.view.ClusterView;
import io.drainpilot.work.Alert;
import io.drainpilot.work.NodeStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * A Node object deleted while DrainPilot drained it. Its VMs are gone with it (KubeVirt fails the VMIs whose pods the
 * pod garbage collector removed, and restarts them elsewhere as their runStrategy says), and nothing is left to
 * release: the drain ends here. DrainPilot's migrations from that node are deleted (the unfinished ones are thereby
 * cancelled), the node's per-drain state is forgotten, the summary is logged and told as an alert: one Event on the
 * deleted Node by name (where Kubernetes' own node controller records its node Events, so
 * {@code kubectl get events --field-selector involvedObject.name=<node>} finds it) and one on each VM whose migration
 * was cut short. Once the migrations are gone nothing queues the node again: no loop.
 */
public class NodeGone {
    private static final Logger LOG = LoggerFactory.getLogger(NodeGone.class);

    private final ClusterView view;
    private final ClusterApi api;
    private final NodeStatus status;
    private final DrainScanner scanner;
    private final NodeEvacuation evacuation;

    public NodeGone(ClusterView view, ClusterApi api, NodeStatus status, DrainScanner scanner, NodeEvacuation evacuation) {
        this.view = view;
        this.api = api;
        this.status = status;
        this.scanner = scanner;
        this.evacuation = evacuation;
    }

    /**
     * For a node the evaluation found no drain for: when its Node object is gone and it was draining (or migrations
     * of ours from it remain), ends that drain; the alerts to tell. Nothing for a node that exists.
     */
    public List<Alert> end(String node) {
        if (!view.synced() || view.node(node).isPresent()) {
            return List.of();
        }
        boolean wasDraining = scanner.takeGone(node);
        List<VirtualMachineInstanceMigration> ours = view.migrationsFrom(node).stream().filter(Triage::isOurs).toList();
        if (!wasDraining && ours.isEmpty()) {
            return List.of();
        }
        Set<String> drains = new TreeSet<>();
        Set<String> migrated = new TreeSet<>();
        Set<String> failed = new TreeSet<>();
        Set<String> stopped = new TreeSet<>();
        for (VirtualMachineInstanceMigration m : ours) {
            String vm = m.getMetadata().getNamespace() + "/" + m.vmiName();
            String drain = m.getMetadata().getLabels().get(Bookkeeping.MIGRATION_DRAIN);
            if (drain != null) {
                drains.add(drain);
            }
            if (m.phase() == MigrationPhase.SUCCEEDED) {
                migrated.add(vm);
            } else if (m.phase().isFinal()) {
                failed.add(vm);
            } else {
                stopped.add(vm);
            }
            // deleting an unfinished migration is how KubeVirt cancels it; a finished one is only cleared away
            api.deleteMigration(m.getMetadata().getNamespace(), m.getMetadata().getName());
        }
        failed.removeAll(migrated);
        stopped.removeAll(migrated);
        status.forget(node);
        evacuation.forget(node);
        String summary = "deleted during its drain" + (drains.isEmpty() ? "" : " (drain " + String.join(", ", drains) + ")")
                + ": " + migrated.size() + " migrated" + list(migrated) + ", " + stopped.size()
                + " migration(s) in flight cancelled" + list(stopped) + ", " + failed.size() + " failed" + list(failed)
                + "; the drain ends here, KubeVirt restarts the node's VMs elsewhere as their runStrategy says";
        LOG.warn("Node {} {}", node, summary);
        List<Alert> alerts = new ArrayList<>();
        alerts.add(Alert.of(Alert.WARNING, node, null, null, "NodeGone", "Node object " + summary, 0, Alert.NODE_GONE));
        for (String vm : stopped) {
            int slash = vm.indexOf('/');
            alerts.add(Alert.of(Alert.WARNING, node, vm.substring(0, slash), vm.substring(slash + 1), "NodeGone",
                    "its node was deleted during its migration; the migration is cancelled", 0, Alert.NODE_GONE));
        }
        return alerts;
    }

    private static String list(Set<String> vms) {
        return vms.isEmpty() ? "" : " " + vms;
    }
}
