package io.drainpilot.recover;

/**
 * Thrown by a stage when a migration cannot go on; the routes' dead-letter channel hands it to recovery.
 */
public class MigrationProblem extends RuntimeException {
    private final RecoveryCase recoveryCase;

    public MigrationProblem(RecoveryCase recoveryCase) {
        super(recoveryCase.reason() + " for " + recoveryCase.vmRef() + " on " + recoveryCase.node() + ": "
                + recoveryCase.detail(), null, false, false);
        this.recoveryCase = recoveryCase;
    }

    public RecoveryCase recoveryCase() {
        return recoveryCase;
    }
}
