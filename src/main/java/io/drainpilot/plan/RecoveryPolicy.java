package io.drainpilot.plan;

import io.drainpilot.work.RecoveryAction;
import io.drainpilot.work.RecoveryCase;

/**
 * What recovery does with a VM that could not simply be migrated. Only for a live drain (the evaluation that sends
 * the case has just seen the node draining and not cancelled): a VMI that left the node, or that another migration
 * is moving, needs nothing. A retryable failure is retried until the attempts run out; then, and for a VM that has
 * nowhere to go, its fallback policy. Pure.
 */
public final class RecoveryPolicy {

    /**
     * @param vmiOnNode          the VMI still runs on the draining node
     * @param otherMigration     another migration of it is under way (someone else's, or a newer one of ours)
     * @param vmExists           a VirtualMachine owns it (shutdown-restart needs one to start it again)
     */
    public record Facts(RecoveryCase.Reason reason, int attempts, int maxAttempts, String fallback, boolean vmiOnNode,
            boolean otherMigration, boolean vmExists) {
    }

    public record Result(RecoveryAction action, String why) {
    }

    private RecoveryPolicy() {
    }

    public static Result decide(Facts f) {
        if (!f.vmiOnNode()) {
            return new Result(RecoveryAction.NONE, "the VMI is no longer on the node");
        }
        if (f.otherMigration()) {
            return new Result(RecoveryAction.NONE, "another migration of it is under way");
        }
        if (f.reason().retryable() && f.attempts() < f.maxAttempts()) {
            return new Result(RecoveryAction.RETRY, "attempt " + f.attempts() + " of " + f.maxAttempts());
        }
        String gaveUp = f.reason().retryable() ? "gave up after " + f.attempts() + " attempt(s)" : null;
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
