package io.drainpilot.work;

import java.util.List;

/**
 * One draining node after an evaluation: its state, each VM, what to start, what goes to recovery, and whether
 * the drain can be released now (with what holds it otherwise), and what to tell (VMs that vanished meanwhile).
 */
public record NodePlan(DrainRequest request, String state, List<VmWork> vms, List<VmWork> toStart,
        List<RecoveryCase> toRecover, boolean releasable, List<String> holds, List<Alert> notices) {

    public static NodePlan nothing(DrainRequest request, String state) {
        return new NodePlan(request, state, List.of(), List.of(), List.of(), false, List.of(), List.of());
    }

    public String node() {
        return request.nodeName();
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
