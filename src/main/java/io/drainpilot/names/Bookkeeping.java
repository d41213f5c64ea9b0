package io.drainpilot.names;

/**
 * DrainPilot's internal annotations: how a restarted or newly elected process knows what the last one did.
 * Not part of the public surface; cleared on each VMI when a new drain of its node starts.
 */
public final class Bookkeeping {
    /** On a VMI: the fallback applied for the current drain, as {@code <policy>}. */
    public static final String SETTLED = Names.PREFIX + "settled";
    /** On a VMI: nodes a migration to which already failed in this drain, comma-separated. */
    public static final String FAILED_TARGETS = Names.PREFIX + "failed-targets";
    /** On a VMI: no new attempt before this RFC 3339 instant (retry backoff). */
    public static final String RETRY_AFTER = Names.PREFIX + "retry-after";
    /** Label on a VM DrainPilot stopped, so it is found by label selector: {@code "true"}. */
    public static final String STOPPED = Names.PREFIX + "stopped";
    /** On a VM DrainPilot stopped: the node whose drain made it stop it. */
    public static final String STOPPED_FOR_NODE = Names.PREFIX + "stopped-for-node";
    /** On a VM DrainPilot stopped: the runStrategy to restore. */
    public static final String STOPPED_RUN_STRATEGY = Names.PREFIX + "stopped-run-strategy";
    /** On a VMIM DrainPilot has already counted and acted on once finished. */
    public static final String RECORDED = Names.PREFIX + "recorded";

    private Bookkeeping() {
    }
}
