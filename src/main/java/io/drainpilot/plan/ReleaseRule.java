package io.drainpilot.plan;

import io.drainpilot.work.VmState;
import io.drainpilot.work.VmWork;

import java.util.ArrayList;
import java.util.List;

/**
 * When a node's drain may be released: nothing left to move, nothing in flight, nothing unsettled, no VM held by the
 * block fallback, and nothing else that can still be on the node or arrive there. Pure: returns what holds it.
 */
public final class ReleaseRule {

    /**
     * @param vms           the node's VMs as this evaluation sees them
     * @param notRunning    VMIs on the node that are not Running and not finished (Pending, Scheduling, ...)
     * @param shuttingDown  VMIs on the node being deleted (deletionTimestamp set) by someone else: their guest still
     *                      runs there (the VMs of {@code vms} that DrainPilot stopped are counted from their state)
     * @param incoming      migrations under way whose target is this node
     * @param unsettled     migrations out of this node not settled yet: ours of this drain not yet counted (and
     *                      deleted), anyone's still under way
     * @param preDrainAwaited a Rancher drain started early (drain options set, node cordoned) and has not asked the
     *                      pre-drain hooks yet: there is no value to answer with
     */
    public static List<String> holds(List<VmWork> vms, List<String> notRunning, List<String> shuttingDown,
            List<String> incoming, List<String> unsettled, boolean preDrainAwaited) {
        List<String> holds = new ArrayList<>();
        long pending = vms.stream().filter(v -> v.state().pending()).count();
        long inFlight = vms.stream().filter(v -> v.state().inFlight()).count();
        long blocked = vms.stream().filter(ReleaseRule::heldByBlock).count();
        long stopping = vms.stream().filter(ReleaseRule::stoppedNotGone).count();
        if (pending > 0) {
            holds.add(pending + " VM(s) still to move");
        }
        if (inFlight > 0) {
            holds.add(inFlight + " migration(s) under way");
        }
        if (blocked > 0) {
            holds.add(blocked + " VM(s) held by the block fallback");
        }
        if (stopping > 0) {
            holds.add(stopping + " VM(s) stopped by the shutdown-restart fallback not gone from the node yet");
        }
        if (!notRunning.isEmpty()) {
            holds.add("VMIs not running yet on the node: " + String.join(", ", notRunning));
        }
        if (!shuttingDown.isEmpty()) {
            holds.add("VMIs still shutting down on the node: " + String.join(", ", shuttingDown));
        }
        if (!unsettled.isEmpty()) {
            holds.add("migrations out of the node not settled yet: " + String.join(", ", unsettled));
        }
        if (!incoming.isEmpty()) {
            holds.add("migrations arriving on the node: " + String.join(", ", incoming));
        }
        if (preDrainAwaited) {
            holds.add("Rancher has not asked the pre-drain hooks yet: the hook is answered once it does");
        }
        return holds;
    }

    /** Its VMI is still on the node: the stop was asked for, the guest may still run (KubeVirt's grace period). */
    public static boolean stoppedNotGone(VmWork v) {
        return v.state() == VmState.SETTLED && v.note() != null && v.note().startsWith("fallback shutdown-restart");
    }

    public static boolean heldByBlock(VmWork v) {
        return v.state() == VmState.SETTLED && v.note() != null && v.note().startsWith("fallback block");
    }

    private ReleaseRule() {
    }
}
