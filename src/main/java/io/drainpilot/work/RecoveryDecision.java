package io.drainpilot.work;

/**
 * What recovery decided for one case, passed along the recovery route: the branch it takes is
 * {@link #action()}'s wire name.
 *
 * @param attempts migration attempts made for the VM in this drain
 * @param why      the case's detail with the reason for the decision, for the alert
 */
public record RecoveryDecision(RecoveryCase recoveryCase, RecoveryAction action, int attempts, String why) {

    /** The branch name, for the route's choice. */
    public String branch() {
        return action.wire();
    }
}
