package io.drainpilot.plan;

import java.time.Duration;
import java.time.Instant;

/**
 * Whether a running pre-copy migration can converge: it cannot while the guest dirties memory at least as fast as the
 * migration sends it. One sample at or above the line starts the clock, one below stops it; a migration that stays
 * at or above it for the whole window is judged not converging. A sample without both rates, or in post-copy (the
 * guest runs on the target, nothing is re-sent), says nothing and stops the clock.
 */
public final class Convergence {
    private Convergence() {
    }

    /**
     * The verdict after a sample.
     *
     * @param behindSince since when the dirty rate has been at or above the transfer rate, null when it is not
     */
    public record Verdict(Instant behindSince, boolean notConverging, String why) {
        static final Verdict FINE = new Verdict(null, false, null);
    }

    /**
     * @param behindSince the previous verdict's clock (null: not behind)
     * @param dirtyRate   bytes per second, null when unknown
     * @param transfer    bytes per second, null when unknown
     */
    public static Verdict judge(Instant behindSince, Double dirtyRate, Double transfer, boolean postCopy,
                                Instant now, Duration window) {
        if (postCopy || dirtyRate == null || transfer == null || transfer.isNaN() || dirtyRate.isNaN()
                || dirtyRate < transfer || transfer <= 0 && dirtyRate <= 0) {
            return Verdict.FINE;
        }
        Instant since = behindSince == null ? now : behindSince;
        Duration behind = Duration.between(since, now);
        if (behind.compareTo(window) >= 0) {
            return new Verdict(since, true, "the guest dirties memory at " + mib(dirtyRate) + " MiB/s, at least as fast as"
                    + " the migration sends it (" + mib(transfer) + " MiB/s), for " + seconds(behind)
                    + " (drainpilot.progress.not-converging-window)");
        }
        return new Verdict(since, false, null);
    }

    private static String mib(double bytesPerSecond) {
        return String.format(java.util.Locale.ROOT, "%.1f", bytesPerSecond / (1024 * 1024));
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }

    /** Percent of the data sent so far, 0-100; null when nothing is known. */
    public static Double percent(Double processed, Double remaining) {
        if (processed == null || remaining == null || processed + remaining <= 0) {
            return null;
        }
        return Math.floor(1000 * processed / (processed + remaining)) / 10;
    }
}
