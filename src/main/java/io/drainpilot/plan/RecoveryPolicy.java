package io.drainpilot.plan;

import io.drainpilot.work.RecoveryAction;
import io.drainpilot.work.RecoveryCase;

/**
 * What recovery does with a VM that could not simply be migrated. Only for a live drain: the node still draining and
 * not cancelled, still the same drain, the VMI still on the node and no migration of it under way (anyone's). A case
 * that is not live needs nothing ({@link RecoveryAction#NONE} with a {@link Moot} reason): above all a cancel never
 * leads to a fallback. A retryable failure is retried until the attempts run out; a migration that could not
 * converge then climbs the escalation ladder (auto-converge, then post-copy for a VM that allows it), each rung once
 * per drain; then, and for a VM that has nowhere to go, its fallback policy. Pure.
 */
public final class RecoveryPolicy {

    /** Why a case needs nothing any more; the wire names appear in alerts and logs. */
    public enum Moot {
        CANCELLED("drain-cancelled", "the drain was cancelled"),
        NOT_DRAINING("drain-over", "the node is no longer draining"),
        OTHER_DRAIN("other-drain", "the case belongs to an earlier drain of the node"),
        VMI_GONE("vmi-gone", "the VMI no longer exists"),
        VMI_LEFT("vmi-left-node", "the VMI is no longer on the node"),
        MIGRATION_IN_FLIGHT("migration-in-flight", "another migration of it is under way");

        private final String wire;
        private final String why;

        Moot(String wire, String why) {
            this.wire = wire;
            this.why = why;
        }

        public String wire() {
            return wire;
        }

        /** In words, with the wire name: {@code the drain was cancelled (drain-cancelled)}. */
        public String why() {
            return why + " (" + wire + ")";
        }
    }

    /**
     * Whether the drain the case belongs to is still live, from state read fresh right before acting.
     *
     * @param nodeDraining   the node still carries DrainPilot's evacuation state of a running drain (InProgress or
     *                       Blocked: its drain signal is still there)
     * @param cancelled      the node asks for a cancel ({@code drainpilot.io/cancel=true}) or says Cancelled
     * @param sameDrain      the node's drain id is the one the case came from (or the case does not know it)
     * @param vmiExists      the VMI still exists
     * @param vmiOnNode      it still runs on the draining node
     * @param otherMigration a migration of it that is not finished exists (anyone's, other than the case's own)
     */
    public record Liveness(boolean nodeDraining, boolean cancelled, boolean sameDrain, boolean vmiExists,
            boolean vmiOnNode, boolean otherMigration) {

        /** Null when the case is live; else why it needs nothing. Cancel first: it always wins. */
        public Moot moot() {
            if (cancelled) {
                return Moot.CANCELLED;
            }
            if (!nodeDraining) {
                return Moot.NOT_DRAINING;
            }
            if (!sameDrain) {
                return Moot.OTHER_DRAIN;
            }
            if (!vmiExists) {
                return Moot.VMI_GONE;
            }
            if (!vmiOnNode) {
                return Moot.VMI_LEFT;
            }
            if (otherMigration) {
                return Moot.MIGRATION_IN_FLIGHT;
            }
            return null;
        }
    }

    /**
     * @param vmExists   a VirtualMachine owns it (shutdown-restart needs one to start it again)
     * @param escalation what the escalation ladder allows and what this drain has taken of it
     */
    public record Facts(RecoveryCase.Reason reason, int attempts, int maxAttempts, String fallback, Liveness live,
            boolean vmExists, Escalation escalation) {
        public Facts(RecoveryCase.Reason reason, int attempts, int maxAttempts, String fallback, Liveness live,
                boolean vmExists) {
            this(reason, attempts, maxAttempts, fallback, live, vmExists, Escalation.NONE);
        }
    }

    /**
     * The escalation ladder for a migration that could not converge, after the retries on other targets.
     *
     * @param autoConverge       rung 2 is switched on
     * @param postCopy           rung 3 is switched on
     * @param vmAllowsPostCopy   the VM is labelled {@code drainpilot.io/allow-post-copy: "true"}
     * @param convergenceFailure the case is a convergence failure ({@link #isConvergenceFailure})
     * @param taken              rungs this drain has already tried for the VM
     */
    public record Escalation(boolean autoConverge, boolean postCopy, boolean vmAllowsPostCopy,
            boolean convergenceFailure, java.util.Set<RecoveryAction> taken) {
        public static final Escalation NONE = new Escalation(false, false, false, false, java.util.Set.of());
    }

    /**
     * A migration that ran out of time rather than hitting a wall: judged not converging, past DrainPilot's deadline,
     * or aborted by KubeVirt's migration monitor (no progress for {@code progressTimeout}, or past
     * {@code completionTimeoutPerGiB}).
     */
    public static boolean isConvergenceFailure(RecoveryCase.Reason reason, String detail) {
        return switch (reason) {
            case NotConverging, MigrationTimedOut -> true;
            case MigrationFailed -> detail != null && detail.contains("has been aborted")
                    && (detail.contains("Live migration stuck for") || detail.contains("Live migration is not completed after"));
            default -> false;
        };
    }

    /** @param moot why nothing is done, when the case is not live; null otherwise */
    public record Result(RecoveryAction action, String why, Moot moot) {
        public Result(RecoveryAction action, String why) {
            this(action, why, null);
        }
    }

    private RecoveryPolicy() {
    }

    public static Result decide(Facts f) {
        Moot moot = f.live().moot();
        if (moot != null) {
            return new Result(RecoveryAction.NONE, moot.why(), moot);
        }
        if (f.reason().retryable() && f.attempts() < f.maxAttempts()) {
            return new Result(RecoveryAction.RETRY, "attempt " + f.attempts() + " of " + f.maxAttempts());
        }
        Escalation e = f.escalation();
        if (e.convergenceFailure()) {
            if (e.autoConverge() && !e.taken().contains(RecoveryAction.AUTO_CONVERGE)) {
                return new Result(RecoveryAction.AUTO_CONVERGE, "not converged after " + f.attempts()
                        + " attempt(s): escalating to auto-converge");
            }
            if (e.postCopy() && e.vmAllowsPostCopy() && !e.taken().contains(RecoveryAction.POST_COPY)) {
                return new Result(RecoveryAction.POST_COPY, "not converged after " + f.attempts()
                        + " attempt(s): escalating to post-copy");
            }
        }
        String gaveUp = f.reason().retryable() ? "gave up after " + f.attempts() + " attempt(s)"
                + (e.taken().isEmpty() ? "" : " (escalations tried: " + e.taken().stream().map(RecoveryAction::wire)
                .sorted().collect(java.util.stream.Collectors.joining(", ")) + ")") : null;
        RecoveryAction action = RecoveryAction.ofFallback(f.fallback());
        if (action == RecoveryAction.SHUTDOWN_RESTART && !f.vmExists()) {
            return new Result(RecoveryAction.BLOCK, join(gaveUp, "no VirtualMachine to stop and restart"));
        }
        return new Result(action, gaveUp);
    }

    private static String join(String a, String b) {
        return a == null ? b : a + "; " + b;
    }
}
