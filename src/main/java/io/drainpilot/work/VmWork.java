package io.drainpilot.work;

import io.drainpilot.kubevirt.VirtualMachineInstance;

/**
 * One VMI of a draining node and what this evaluation makes of it. The migrate route gets the ones to start.
 *
 * @param drainKey which drain of which node this is ({@code <node>/<drain id>})
 * @param decision the planner's decision; null unless the VM was planned
 * @param note     why, in words (the adopted migration, the fallback applied, the backoff, the cap it waits for)
 * @param fallback the VM's fallback policy
 * @param target   the node to steer to, when starting and steering is on; else null
 * @param attempt  the attempt number its next migration gets
 * @param risk     why Harvester's pre-drain job would stop this VM before it moves (hook mode), or null
 */
public record VmWork(String node, String drainKey, VirtualMachineInstance vmi, VmState state, Decision decision,
        String note, String fallback, String target, int attempt, String risk) {

    public String namespace() {
        return vmi.getMetadata().getNamespace();
    }

    public String name() {
        return vmi.getMetadata().getName();
    }

    /** The drain id part of {@link #drainKey()}, or null. */
    public String drainId() {
        return drainKey == null ? null : drainKey.substring(drainKey.indexOf('/') + 1);
    }

    public String key() {
        return namespace() + "/" + name();
    }

    public VmWork with(VmState newState, String newNote, String newTarget) {
        return new VmWork(node, drainKey, vmi, newState, decision, newNote, fallback, newTarget, attempt, risk);
    }

    public String describe() {
        String what = decision == null ? state.wire().toLowerCase() + (note == null ? "" : ": " + note)
                : decision.describe() + (state == VmState.QUEUED ? " (waits: " + note + ")" : "");
        return key() + ": " + what + (risk == null ? "" : " [at risk: " + risk + "]");
    }

    /** This VM, as recovery sees it, when the plan says it cannot migrate. */
    public RecoveryCase recoveryCase() {
        if (decision instanceof Decision.NotMigratable nm) {
            return new RecoveryCase(node, namespace(), name(), RecoveryCase.Reason.NotMigratable, nm.reason(), null, null, attempt - 1, drainId());
        }
        if (decision instanceof Decision.NoCompatibleTarget nc) {
            return new RecoveryCase(node, namespace(), name(), RecoveryCase.Reason.NoCompatibleTarget, nc.summary(), null, null, attempt - 1, drainId());
        }
        if (decision instanceof Decision.NoSafeTarget ns) {
            return new RecoveryCase(node, namespace(), name(), RecoveryCase.Reason.NoSafeTarget, ns.reason(), null, null, attempt - 1, drainId());
        }
        throw new IllegalStateException(key() + " has no recovery reason: " + (decision == null ? state : decision.outcome()));
    }
}
