package io.drainpilot.drain;

import io.drainpilot.kubevirt.ClusterApi;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.plan.EvacuationCancel;
import io.drainpilot.view.ClusterView;
import io.drainpilot.work.NodePlan;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cancelled drain also stops KubeVirt's own evacuation of the node (KubeVirt 1.7+, {@link EvacuationCancel}): every
 * VMI KubeVirt marked for evacuation off the node ({@code status.evacuationNodeName}, set when an eviction such as
 * {@code kubectl drain}'s met a live-migratable VMI) is unmarked through the {@code evacuate/cancel} subresource, so
 * KubeVirt starts no more migrations for it. Migrations already running are KubeVirt's and are left to finish (a
 * person deletes one to stop it). On older KubeVirt nothing is called. Only VMIs still marked are asked about, so a
 * node that stays cancelled costs no request.
 */
public class EvacuationCancelStep {
    private static final Logger LOG = LoggerFactory.getLogger(EvacuationCancelStep.class);

    private final ClusterView view;
    private final ClusterApi api;

    public EvacuationCancelStep(ClusterView view, ClusterApi api) {
        this.view = view;
        this.api = api;
    }

    /** The plan stays the route's body. */
    public void cancel(NodePlan plan) {
        String node = plan.node();
        if (!plan.cancelled() || !EvacuationCancel.served(view.kubeVirt())) {
            return;
        }
        for (VirtualMachineInstance vmi : view.vmisOn(node)) {
            String marked = vmi.getStatus() == null ? null : vmi.getStatus().evacuationNodeName;
            if (!node.equals(marked) || !vmi.nodeName().map(node::equals).orElse(false)) {
                continue;
            }
            if (api.cancelEvacuation(vmi.getMetadata().getNamespace(), vmi.getMetadata().getName(), node)) {
                LOG.info("Node {}: cancel: KubeVirt's evacuation of {}/{} cancelled (evacuate/cancel)", node,
                        vmi.getMetadata().getNamespace(), vmi.getMetadata().getName());
            }
        }
    }
}
