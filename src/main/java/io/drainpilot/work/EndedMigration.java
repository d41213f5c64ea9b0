package io.drainpilot.work;

import java.time.Duration;

/**
 * A migration that reached its end (or that DrainPilot ended), to be settled once.
 *
 * @param attempt  which attempt of the VM in this drain it was (0 when someone else started it)
 * @param duration from creation to Succeeded, from KubeVirt's phase timestamps; null otherwise
 * @param drainId  the drain of the source node it belongs to (ours: its label), or null
 */
public record EndedMigration(String namespace, String name, String vmi, String sourceNode, String targetNode,
        Result result, String detail, Duration duration, int attempt, String drainId) {

    public EndedMigration(String namespace, String name, String vmi, String sourceNode, String targetNode,
            Result result, String detail, Duration duration, int attempt) {
        this(namespace, name, vmi, sourceNode, targetNode, result, detail, duration, attempt, null);
    }

    /** How it ended; the routes branch on the wire name. */
    public enum Result {
        /** The VM runs on another node now. */
        SUCCEEDED("Succeeded"),
        /** KubeVirt reports Failed (or Succeeded while the VM still runs on its source). */
        FAILED("Failed"),
        /** Past its deadline: DrainPilot cancelled it. */
        TIMED_OUT("TimedOut"),
        /** The guest dirtied memory as fast as it was sent for the whole window: DrainPilot cancelled it. */
        NOT_CONVERGING("NotConverging"),
        /** The VMI was deleted meanwhile: nothing left to move. */
        GONE("Gone"),
        /** Someone else's migration (KubeVirt's evacuation, a person) moved a VM off the node: counted, never ours. */
        ADOPTED("Adopted");

        private final String wire;

        Result(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }

        @Override
        public String toString() {
            return wire;
        }
    }

    public String vmKey() {
        return namespace + "/" + vmi;
    }

    /** The wire name of the result, for the routes' choice. */
    public String outcome() {
        return result.wire();
    }

    public RecoveryCase recoveryCase() {
        RecoveryCase.Reason reason = switch (result) {
            case TIMED_OUT -> RecoveryCase.Reason.MigrationTimedOut;
            case NOT_CONVERGING -> RecoveryCase.Reason.NotConverging;
            default -> RecoveryCase.Reason.MigrationFailed;
        };
        return new RecoveryCase(sourceNode, namespace, vmi, reason, detail, targetNode, name, attempt, drainId);
    }
}
