package io.drainpilot.sim;

/**
 * The data of one running live migration, advanced in KubeVirt seconds: pre-copy passes, the guest dirtying memory,
 * auto-converge, post-copy, and the aborts of KubeVirt's migration monitor in virt-launcher.
 *
 * <p>Pre-copy runs in passes: the first pass sends all of the guest's memory at the transfer rate; while a pass runs
 * the guest dirties memory at its dirty rate (in the first pass only pages already sent count, later passes are capped
 * at the whole memory), and the next pass sends what was dirtied. The migration converges (switches over) when a
 * pass would be no larger than what {@link #SWITCHOVER_SECONDS} of transfer moves. So a guest dirtying at least as fast
 * as the link copies never converges.
 *
 * <p>The monitor, as KubeVirt's: with {@code allowPostCopy}, once the migration has run longer than the acceptable
 * completion time ({@code completionTimeoutPerGiB} times the memory in whole decimal GB, rounded up) it switches to
 * post-copy, which always finishes: the target runs the guest and pulls the remaining pages at the transfer rate.
 * Otherwise it aborts a migration whose remaining data has not gone down for {@code progressTimeout}
 * ("Live migration stuck for N seconds and has been aborted"), and one running past the acceptable completion time
 * ("Live migration is not completed after N seconds and has been aborted").
 *
 * <p>Simplifications: auto-converge acts once per pass, not per QEMU sync period: after a pass whose dirtied data is
 * more than half of what it sent, the guest's CPU throttle starts at 20 % and grows by 10 % per further such pass up
 * to 99 %, and the effective dirty rate is the VMI's dirty rate times (1 - throttle). "Progress" for the monitor is
 * the remaining data falling by more than 0.1 % of the memory below its lowest value so far. The guest is never paused
 * ({@code allowWorkloadDisruption} without post-copy is not simulated), disks are not migrated, compression and
 * multifd are not modelled, and a failed post-copy (which loses the guest) does not happen here.
 */
final class MigrationTransfer {
    /** QEMU's default maximum downtime: a pass this short is sent with the guest paused. */
    static final double SWITCHOVER_SECONDS = 0.3;
    private static final double GB = 1e9;

    enum Mode {
        PRE_COPY("PreCopy"), POST_COPY("PostCopy");

        private final String wire;

        Mode(String wire) {
            this.wire = wire;
        }

        /** As in the VMI's {@code status.migrationState.mode}. */
        String wire() {
            return wire;
        }
    }

    enum State { RUNNING, CONVERGED, SWITCHED_TO_POST_COPY, ABORTED }

    /**
     * @param transferBytesPerSecond  the link (or {@code bandwidthPerMigration}) a migration gets
     * @param dirtyBytesPerSecond     how fast the guest writes memory
     * @param progressTimeoutSeconds  0 = never abort for lack of progress
     * @param completionTimeoutPerGiB 0 = no completion deadline
     */
    record Options(double transferBytesPerSecond, double dirtyBytesPerSecond, boolean allowAutoConverge,
                   boolean allowPostCopy, long progressTimeoutSeconds, long completionTimeoutPerGiB) {
        Options {
            if (transferBytesPerSecond <= 0 || dirtyBytesPerSecond < 0) {
                throw new IllegalArgumentException("transfer rate must be positive and dirty rate not negative");
            }
        }
    }

    private final long memoryBytes;
    private final Options options;
    private final long acceptableCompletionSeconds;
    private Mode mode = Mode.PRE_COPY;
    private double elapsed;
    private double processed;
    private boolean firstPass = true;
    private double passBytes;
    private double passSent;
    private double dirtied;
    private double lowestRemaining;
    private double lastProgressAt;
    private int throttlePercent;
    private String abortReason;
    private boolean converged;

    MigrationTransfer(long memoryBytes, Options options) {
        this.memoryBytes = memoryBytes;
        this.options = options;
        this.passBytes = memoryBytes;
        this.lowestRemaining = memoryBytes;
        this.acceptableCompletionSeconds = options.completionTimeoutPerGiB() * (long) Math.ceil(memoryBytes / GB);
    }

    /** Moves the migration on by {@code seconds} of KubeVirt time. */
    State advance(double seconds) {
        if (converged) {
            return State.CONVERGED;
        }
        if (abortReason != null) {
            return State.ABORTED;
        }
        double rate = options.transferBytesPerSecond();
        if (mode == Mode.POST_COPY) {
            double left = remaining();
            double send = Math.min(left, rate * seconds);
            processed += send;
            passSent += send;
            elapsed += seconds;
            if (remaining() <= 0.5) {
                converged = true;
                return State.CONVERGED;
            }
            return State.RUNNING;
        }
        double dt = seconds;
        while (dt > 0) {
            double passLeft = passBytes - passSent;
            double t = Math.min(dt, passLeft / rate);
            passSent += rate * t;
            processed += rate * t;
            double cap = firstPass ? passSent : memoryBytes;
            dirtied = Math.min(cap, dirtied + effectiveDirtyRate() * t);
            elapsed += t;
            dt -= t;
            if (passSent >= passBytes - 0.5) {
                endPass();
                if (passBytes <= rate * SWITCHOVER_SECONDS) {
                    processed += passBytes;
                    passSent = passBytes;
                    converged = true;
                    return State.CONVERGED;
                }
            }
        }
        double left = remaining();
        if (left < lowestRemaining - memoryBytes * 0.001) {
            lowestRemaining = left;
            lastProgressAt = elapsed;
        }
        boolean pastCompletion = acceptableCompletionSeconds > 0 && elapsed > acceptableCompletionSeconds;
        if (pastCompletion && options.allowPostCopy()) {
            mode = Mode.POST_COPY;
            // the pages still dirty on the source are pulled by the target; the guest writes only there now
            passBytes = left;
            passSent = 0;
            dirtied = 0;
            return State.SWITCHED_TO_POST_COPY;
        }
        if (options.progressTimeoutSeconds() > 0 && elapsed - lastProgressAt > options.progressTimeoutSeconds()) {
            abortReason = "Live migration stuck for " + (long) (elapsed - lastProgressAt) + " seconds and has been aborted";
            return State.ABORTED;
        }
        if (pastCompletion) {
            abortReason = "Live migration is not completed after " + acceptableCompletionSeconds
                    + " seconds and has been aborted";
            return State.ABORTED;
        }
        return State.RUNNING;
    }

    private void endPass() {
        double next = dirtied;
        if (options.allowAutoConverge() && next > passBytes / 2) {
            throttlePercent = throttlePercent == 0 ? 20 : Math.min(99, throttlePercent + 10);
        }
        firstPass = false;
        passBytes = next;
        passSent = 0;
        dirtied = 0;
    }

    double effectiveDirtyRate() {
        if (mode == Mode.POST_COPY) {
            return 0;
        }
        return options.dirtyBytesPerSecond() * (100 - throttlePercent) / 100.0;
    }

    double transferRate() {
        return options.transferBytesPerSecond();
    }

    double remaining() {
        if (converged) {
            return 0;
        }
        return Math.max(0, passBytes - passSent + dirtied);
    }

    double processed() {
        return processed;
    }

    long memoryBytes() {
        return memoryBytes;
    }

    Mode mode() {
        return mode;
    }

    int throttlePercent() {
        return throttlePercent;
    }

    double elapsedSeconds() {
        return elapsed;
    }

    long acceptableCompletionSeconds() {
        return acceptableCompletionSeconds;
    }

    /** Null unless {@link State#ABORTED}: the failure reason KubeVirt writes on the VMI's migration state. */
    String abortReason() {
        return abortReason;
    }
}
