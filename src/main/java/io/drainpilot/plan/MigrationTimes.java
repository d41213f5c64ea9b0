package io.drainpilot.plan;

import io.drainpilot.kubevirt.MigrationPhase;
import io.drainpilot.kubevirt.VirtualMachineInstanceMigration;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** A migration's times from KubeVirt's own records (second precision). Pure. */
public final class MigrationTimes {
    private MigrationTimes() {
    }

    /** Its creation; the epoch when the object has none (never on a real server). */
    public static Instant created(VirtualMachineInstanceMigration m) {
        String c = m.getMetadata().getCreationTimestamp();
        return c == null ? Instant.EPOCH : Instant.parse(c);
    }

    /** When it entered {@code phase}, from its phase transition timestamps. */
    public static Optional<Instant> entered(VirtualMachineInstanceMigration m, MigrationPhase phase) {
        if (m.getStatus() == null || m.getStatus().phaseTransitionTimestamps == null) {
            return Optional.empty();
        }
        return m.getStatus().phaseTransitionTimestamps.stream().filter(p -> phase.wire().equals(p.phase))
                .map(p -> Instant.parse(p.phaseTransitionTimestamp)).findFirst();
    }

    /** Creation to Running (the setup before memory moves), when it got there. */
    public static Optional<Duration> toRunning(VirtualMachineInstanceMigration m) {
        return entered(m, MigrationPhase.RUNNING).map(r -> Duration.between(created(m), r));
    }

    /** Creation to Succeeded, when it succeeded. */
    public static Optional<Duration> toSucceeded(VirtualMachineInstanceMigration m) {
        return entered(m, MigrationPhase.SUCCEEDED).map(end -> Duration.between(created(m), end));
    }
}
