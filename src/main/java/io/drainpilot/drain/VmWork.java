package io.drainpilot.drain;

import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.plan.Decision;
import io.drainpilot.recover.RecoveryCase;

/**
 * One VMI of a draining node and what this scan makes of it. The routes branch on {@link #outcome()}.
 *
 * @param state    where the VMI stands in this drain
 * @param decision the planner's decision; null unless {@code state} is PLANNED
 * @param note     why, in words (the adopted migration, the fallback applied, the backoff...)
 * @param context  what the scan read of the cluster (the migrate stage counts its budget there)
 */
public record VmWork(String node, VirtualMachineInstance vmi, State state, Decision decision, String note,
        String fallback, ScanContext context) {

    public enum State {
        /** planned in this scan: migrate or recover */
        PLANNED,
        /** a migration is under way (ours or adopted) */
        IN_FLIGHT,
        /** waiting out the backoff after a failed attempt */
        WAITING,
        /** recovery applied its fallback for this drain */
        SETTLED,
        /** labelled to be left alone, or its data is unusable */
        SKIPPED
    }

    public String namespace() {
        return vmi.getMetadata().getNamespace();
    }

    public String name() {
        return vmi.getMetadata().getName();
    }

    /** Migrate, NotMigratable, NoCompatibleTarget, or the state's name when nothing is planned. */
    public String outcome() {
        return decision == null ? state.name() : decision.getClass().getSimpleName();
    }

    public String describe() {
        String what = decision != null ? decision.describe() : state.name().toLowerCase().replace('_', ' ')
                + (note == null ? "" : ": " + note);
        return namespace() + "/" + name() + ": " + what;
    }

    /** This VM, as recovery sees it, when the plan says it cannot migrate. */
    public RecoveryCase recoveryCase() {
        if (decision instanceof Decision.NotMigratable nm) {
            return new RecoveryCase(node, namespace(), name(), RecoveryCase.Reason.NotMigratable, nm.reason(), null);
        }
        if (decision instanceof Decision.NoCompatibleTarget nc) {
            return new RecoveryCase(node, namespace(), name(), RecoveryCase.Reason.NoCompatibleTarget, nc.summary(), null);
        }
        throw new IllegalStateException(namespace() + "/" + name() + " has no recovery reason: " + outcome());
    }
}
