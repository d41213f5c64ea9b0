package io.drainpilot.plan;

import io.drainpilot.kubevirt.MigrationPhase;

import java.time.Duration;
import java.time.Instant;
import java.util.OptionalLong;

/**
 * When DrainPilot cancels a migration of its own: before Running a flat limit from its creation; once Running, a base
 * plus a part per GiB of the VM's memory (a VM whose memory is unknown counts as 1 GiB) from the time it started
 * Running. Pure.
 */
public final class MigrationDeadline {
    private static final long GIB = 1024L * 1024 * 1024;

    private MigrationDeadline() {
    }

    /** Whole GiB of the VM's memory, rounded up, at least 1. */
    public static long gib(OptionalLong memoryBytes) {
        return Math.max(1, (memoryBytes.orElse(GIB) + GIB - 1) / GIB);
    }

    /** How long it may run once Running. */
    public static Duration runningLimit(OptionalLong memoryBytes, Duration base, Duration perGiB) {
        return base.plus(perGiB.multipliedBy(gib(memoryBytes)));
    }

    /**
     * The instant it is cancelled at.
     *
     * @param running when it reached Running (null: not yet, or not known; then its creation)
     */
    public static Instant at(MigrationPhase phase, Instant created, Instant running, OptionalLong memoryBytes,
            Duration beforeRunning, Duration runningBase, Duration perGiB) {
        if (phase.isBeforeRunning()) {
            return created.plus(beforeRunning);
        }
        return (running == null ? created : running).plus(runningLimit(memoryBytes, runningBase, perGiB));
    }
}
