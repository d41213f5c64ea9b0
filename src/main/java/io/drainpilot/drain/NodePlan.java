package io.drainpilot.drain;

import java.util.List;

/** One draining node after a scan: its evacuation state and each of its VMs. */
public record NodePlan(DrainRequest request, String state, List<VmWork> vms) {

    public String node() {
        return request.nodeName();
    }

    /** The VMs this scan acts on: to migrate or to hand to recovery. */
    public List<VmWork> actionable() {
        return vms.stream().filter(v -> v.state() == VmWork.State.PLANNED).toList();
    }

    public boolean cancelled() {
        return io.drainpilot.names.Names.CANCELLED.equals(state);
    }

    public String describe() {
        StringBuilder sb = new StringBuilder("Plan for node ").append(node()).append(" (").append(state)
                .append("; signals: ").append(String.join(", ", request.signals())).append(")");
        if (vms.isEmpty()) {
            sb.append("\n  no VMs to move");
        }
        vms.forEach(v -> sb.append("\n  ").append(v.describe()));
        return sb.toString();
    }
}
