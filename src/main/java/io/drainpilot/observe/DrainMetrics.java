package io.drainpilot.observe;

import java.time.Duration;

/**
 * What DrainPilot counts. The stages report here; {@link #NONE} when metrics are off.
 */
public interface DrainMetrics {
    DrainMetrics NONE = new DrainMetrics() {
    };

    /** The board the gauges read (nodes draining, VMs pending and in flight). */
    default void board(StatusBoard board) {
    }

    /** A VMIM was created for a VM on {@code node}. */
    default void migrationStarted(String node) {
    }

    /**
     * A migration of ours ended.
     *
     * @param result   Succeeded, Failed, TimedOut (cancelled by us) or Gone
     * @param duration creation to Succeeded, when known
     */
    default void migrationEnded(String result, Duration duration) {
    }

    /** A migration of ours moved a VM of {@code bytes} memory off {@code node}. */
    default void bytesMigrated(String node, long bytes) {
    }

    /** Recovery decided: retry, shutdown-restart, block, release, restarted, restart-skipped, none... */
    default void recoveryOutcome(String reason, String action) {
    }

    /** An alert went to a channel (log, events, webhook), or failed to. */
    default void alertDelivered(String channel, boolean ok) {
    }

    /** This process leads (or leader election is off, so it is the only one scanning); false when it follows. */
    default void leader(boolean leading) {
    }

    /** The running migrations' progress as Prometheus last reported it (only those listed are still running). */
    default void migrationProgress(java.util.List<io.drainpilot.work.MigrationProgress> running) {
    }

    /** A scan went through without error, at {@code at}. */
    default void scanCompleted(java.time.Instant at) {
    }
}
