package io.drainpilot.migrate;

import io.drainpilot.recover.RecoveryCase;

import java.time.Duration;

/**
 * A migration of ours that reached an end in this poll.
 *
 * @param result   Succeeded, Failed, TimedOut or Gone (the VMI was deleted meanwhile)
 * @param duration from creation to Succeeded, from KubeVirt's phase timestamps; null otherwise
 */
public record TrackedMigration(String namespace, String name, String vmi, String sourceNode, String targetNode,
        String result, String detail, Duration duration) {

    public static final String SUCCEEDED = "Succeeded";
    public static final String FAILED = "Failed";
    public static final String TIMED_OUT = "TimedOut";
    public static final String GONE = "Gone";

    public RecoveryCase recoveryCase() {
        RecoveryCase.Reason reason = TIMED_OUT.equals(result) ? RecoveryCase.Reason.MigrationTimedOut
                : RecoveryCase.Reason.MigrationFailed;
        return new RecoveryCase(sourceNode, namespace, vmi, reason, detail, targetNode, name);
    }
}
