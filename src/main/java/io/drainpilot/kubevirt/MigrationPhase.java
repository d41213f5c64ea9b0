package io.drainpilot.kubevirt;

/** The phases a VMIM walks through, in KubeVirt's order. */
public enum MigrationPhase {
    UNSET(""), PENDING("Pending"), SCHEDULING("Scheduling"), SCHEDULED("Scheduled"),
    PREPARING_TARGET("PreparingTarget"), TARGET_READY("TargetReady"), RUNNING("Running"),
    SUCCEEDED("Succeeded"), FAILED("Failed");

    private final String wire;

    MigrationPhase(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    public boolean isFinal() {
        return this == SUCCEEDED || this == FAILED;
    }

    /** Before the target pod runs: the phases the pending/unschedulable deadline applies to. */
    public boolean isBeforeRunning() {
        return ordinal() < RUNNING.ordinal();
    }

    public static MigrationPhase of(String wire) {
        if (wire == null || wire.isEmpty()) {
            return UNSET;
        }
        for (MigrationPhase p : values()) {
            if (p.wire.equals(wire)) {
                return p;
            }
        }
        // an unknown future phase is treated as still in flight, never as finished
        return RUNNING;
    }
}
