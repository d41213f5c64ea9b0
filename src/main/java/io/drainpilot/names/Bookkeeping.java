package io.drainpilot.names;

/**
 * DrainPilot's internal annotations and labels: how a restarted or newly elected process knows what the last one
 * did. Not part of the public surface. Marks on a VMI count only in the drain they name ({@link #DRAIN}), so what
 * an earlier drain (of this node or another) left behind never counts.
 */
public final class Bookkeeping {
    /** On a node: the id of its current drain, new each time a drain starts. */
    public static final String DRAIN_ID = Names.PREFIX + "drain-id";
    /**
     * On a node: {@code "true"} while DrainPilot holds the cordon it set for the annotation signal (written with the
     * cordon itself): only such a node is uncordoned when its drain ends, and that cordon is no drain signal.
     */
    public static final String CORDONED = Names.PREFIX + "cordoned";
    /** On a node: what happened to each VM in the current drain, JSON {@code {"ns/name": "migrated", ...}}. */
    public static final String OUTCOMES = Names.PREFIX + "outcomes";
    /** On a node: the drain signals that started the current drain, a JSON array (written with its drain id). */
    public static final String SIGNALS = Names.PREFIX + "signals";
    /**
     * On a node: the alerts raised in the current drain, per VM (key {@code ns/name}; the node's own under {@code ""}),
     * JSON, at most a few per VM: what the drain report lists, also when another replica writes it.
     */
    public static final String ALERTS = Names.PREFIX + "alerts";
    /** On a VMI: the drain its other marks belong to, {@code <node>/<drain id>}. */
    public static final String DRAIN = Names.PREFIX + "drain";
    /** On a VMI: the fallback applied for the current drain, as {@code <policy>}. */
    public static final String SETTLED = Names.PREFIX + "settled";
    /** On a VMI: nodes a migration to which already failed in this drain, comma-separated. */
    public static final String FAILED_TARGETS = Names.PREFIX + "failed-targets";
    /** On a VMI: no new attempt before this RFC 3339 instant (retry backoff). */
    public static final String RETRY_AFTER = Names.PREFIX + "retry-after";
    /** VMI: the escalation rungs this drain has taken for it, {@code <drain key>=<rung>,<rung>}. */
    public static final String ESCALATIONS = Names.PREFIX + "escalations";
    /** Label on a VM DrainPilot stopped, so it is found by label selector: {@code "true"}. */
    public static final String STOPPED = Names.PREFIX + "stopped";
    /** On a VM DrainPilot stopped: the node whose drain made it stop it. */
    public static final String STOPPED_FOR_NODE = Names.PREFIX + "stopped-for-node";
    /** On a VM DrainPilot stopped: the runStrategy to restore. */
    public static final String STOPPED_RUN_STRATEGY = Names.PREFIX + "stopped-run-strategy";
    /** On a VM DrainPilot stopped: by when (RFC 3339) it must run again, set once its node is released. */
    public static final String RESTART_DUE_BY = Names.PREFIX + "restart-due-by";
    /** On a VM DrainPilot stopped: the runStrategy DrainPilot put back (so that change is known as its own). */
    public static final String RESTART_REQUESTED = Names.PREFIX + "restart-requested";
    /** On a VM DrainPilot stopped: {@code "true"} once the critical alert that it does not run again went out. */
    public static final String RESTART_OVERDUE = Names.PREFIX + "restart-overdue";
    /** Label on DrainPilot's migrations: the drain id they belong to. */
    public static final String MIGRATION_DRAIN = Names.PREFIX + "drain-id";
    /** Label on DrainPilot's migrations: which attempt for the VM in that drain (1, 2, ...). */
    public static final String MIGRATION_ATTEMPT = Names.PREFIX + "attempt";

    /** Annotation on DrainPilot's migrations: the VM's memory in bytes when it was asked to move. */
    public static final String MIGRATION_MEMORY = Names.PREFIX + "memory-bytes";

    /** On a Harvester Upgrade: the nodes DrainPilot paused in its pause map (the only ones it unpauses). */
    public static final String PAUSED_NODES = Names.PREFIX + "paused-nodes";

    private Bookkeeping() {
    }
}
