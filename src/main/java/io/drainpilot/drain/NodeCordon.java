package io.drainpilot.drain;

import io.drainpilot.config.Settings;
import io.drainpilot.kubevirt.ClusterApi;
import io.drainpilot.names.Bookkeeping;
import io.drainpilot.plan.CordonRule;
import io.drainpilot.view.ClusterView;
import io.drainpilot.work.DrainRequest;
import io.fabric8.kubernetes.api.model.Node;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collections;
import java.util.Map;
import java.util.Optional;

/**
 * The annotation signal's cordon ({@link CordonRule}): the node is cordoned as its drain starts, so nothing new (a VM
 * started or restarted by KubeVirt) lands on it while it drains, and uncordoned when the drain ends, only when
 * DrainPilot set that cordon (the node's {@link Bookkeeping#CORDONED} mark, written in the same request as the cordon).
 */
public class NodeCordon {
    private static final Logger LOG = LoggerFactory.getLogger(NodeCordon.class);

    private final ClusterView view;
    private final ClusterApi api;
    private final Settings settings;
    private final DrainSignals signals;

    public NodeCordon(ClusterView view, ClusterApi api, Settings settings) {
        this.view = view;
        this.api = api;
        this.settings = settings;
        this.signals = new DrainSignals(settings);
    }

    /**
     * Cordons or uncordons the node as its drain request says (null: the node does not drain); returns the request
     * unchanged for the route's next step.
     */
    public DrainRequest apply(String name, DrainRequest request) {
        if (!view.synced() || settings.dryRun) {
            return request;
        }
        Optional<Node> node = request != null ? view.node(name).or(() -> Optional.of(request.node())) : view.node(name);
        if (node.isEmpty()) {
            return request;
        }
        Node n = node.get();
        boolean unschedulable = n.getSpec() != null && Boolean.TRUE.equals(n.getSpec().getUnschedulable());
        boolean ours = "true".equals(DrainSignals.annotations(n).get(Bookkeeping.CORDONED));
        boolean goesOn = request != null && !request.cancel();
        CordonRule.Action action = CordonRule.decide(new CordonRule.Facts(settings.signalAnnotationCordon,
                signals.annotationAsks(n), goesOn, NodeEvacuation.startsNewDrain(request), unschedulable, ours));
        switch (action) {
            case CORDON -> {
                api.setUnschedulable(name, true, Map.of(Bookkeeping.CORDONED, "true"));
                LOG.info("Node {}: cordoned for its drain ({}): nothing new is scheduled there until the drain ends",
                        name, settings.signalAnnotationKey);
            }
            case UNCORDON -> {
                api.setUnschedulable(name, false, Collections.singletonMap(Bookkeeping.CORDONED, null));
                LOG.info("Node {}: drain {}; uncordoned (DrainPilot had cordoned it)", name,
                        request == null ? "withdrawn" : "cancelled");
            }
            case CLEAR_MARK -> api.annotateNode(name, Collections.singletonMap(Bookkeeping.CORDONED, null));
            case NONE -> {
            }
        }
        return request;
    }
}
