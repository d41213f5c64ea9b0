package io.drainpilot.drain;

import io.drainpilot.config.Settings;
import io.drainpilot.kubevirt.ClusterApi;
import io.drainpilot.kubevirt.VirtualMachineInstanceMigration;
import io.drainpilot.names.Bookkeeping;
import io.drainpilot.names.Names;
import io.drainpilot.plan.Triage;
import io.drainpilot.view.ClusterView;
import io.drainpilot.work.DrainRequest;
import io.drainpilot.work.EvacuationSummary;
import io.drainpilot.work.NodePlan;
import io.drainpilot.work.NodeStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Lets the drain go on once the node is evacuated: the node says Completed, a Rancher pre-drain hook gets exactly
 * the {@code rke.cattle.io/pre-drain} value it is waiting for, and the drain's finished migrations (counted in the
 * node's outcome record by now) are deleted, one request per namespace: they never pile up.
 */
public class DrainRelease {
    private static final Logger LOG = LoggerFactory.getLogger(DrainRelease.class);

    private final ClusterView view;
    private final ClusterApi api;
    private final Settings settings;
    private final NodeStatus status;

    public DrainRelease(ClusterView view, ClusterApi api, NodeStatus status, Settings settings) {
        this.view = view;
        this.api = api;
        this.settings = settings;
        this.status = status;
    }

    /** The node Completed and a waiting Rancher hook answered; the drain's migrations stay until {@link #clearMigrations}. */
    public void release(NodePlan plan) {
        DrainRequest request = plan.request();
        String node = request.nodeName();
        DrainRequest.RancherHook hook = request.rancherHook();
        if (hook != null && !hook.released()) {
            api.annotateSecret(hook.namespace(), hook.secretName(), Map.of(settings.rancherHookAnnotation, hook.preDrain()));
            LOG.info("Node {}: Rancher pre-drain hook released (Secret {}/{}, {} set)", node, hook.namespace(),
                    hook.secretName(), settings.rancherHookAnnotation);
        }
        EvacuationSummary[] last = new EvacuationSummary[1];
        status.update(node, Names.COMPLETED, s -> last[0] = s.withCounts(0, 0, 0, s.total()));
        LOG.info("Node {}: evacuation completed: {} migrated, {} fell back, {} in total", node, last[0].migrated(),
                last[0].fellBack(), last[0].total());
    }

    /**
     * Deletes the drain's finished migrations of DrainPilot's, one request per namespace, once the drain's report
     * (which reads them) is written: counted in the node's outcome record by now, they would only take room.
     */
    public void clearMigrations(NodePlan plan) {
        String node = plan.node();
        String drainId = plan.request().node().getMetadata().getAnnotations() == null ? null
                : plan.request().node().getMetadata().getAnnotations().get(Bookkeeping.DRAIN_ID);
        if (drainId != null) {
            Set<String> namespaces = new TreeSet<>();
            for (VirtualMachineInstanceMigration m : view.migrationsFrom(node)) {
                if (Triage.isOurs(m) && m.phase().isFinal() && m.getMetadata().getLabels() != null
                        && drainId.equals(m.getMetadata().getLabels().get(Bookkeeping.MIGRATION_DRAIN))) {
                    namespaces.add(m.getMetadata().getNamespace());
                }
            }
            namespaces.forEach(ns -> api.deleteFinishedMigrations(ns, node, drainId));
        }
    }
}
