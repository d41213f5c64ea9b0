package io.drainpilot.plan;

/**
 * Pure rule: what DrainPilot does with a node's cordon for the annotation signal. It cordons a node as a drain the
 * annotation asks for starts (when configured), marking that it did; when the drain ends (no drain signal left, or
 * cancelled) it uncordons only a node it marked. A node cordoned by someone else is never touched, and one a person
 * uncordons during the drain is not cordoned again (the cordon is set once, at the drain's start).
 */
public final class CordonRule {
    public enum Action {
        /** nothing to change */
        NONE,
        /** cordon the node and mark it as DrainPilot's cordon, in one write */
        CORDON,
        /** uncordon the node and remove the mark, in one write */
        UNCORDON,
        /** the node is schedulable already (someone uncordoned it): only remove the mark */
        CLEAR_MARK
    }

    /**
     * @param enabled            {@code drainpilot.signal.annotation.cordon}
     * @param annotationAsks     the node's drain-requested annotation asks for a drain
     * @param drainGoesOn        the node drains (some drain signal) and is not cancelled
     * @param drainStarts        this evaluation starts a new drain of the node
     * @param unschedulable      the node is cordoned now
     * @param cordonedByUs       the node carries DrainPilot's cordon mark
     */
    public record Facts(boolean enabled, boolean annotationAsks, boolean drainGoesOn, boolean drainStarts,
            boolean unschedulable, boolean cordonedByUs) {
    }

    private CordonRule() {
    }

    public static Action decide(Facts f) {
        if (f.cordonedByUs()) {
            if (f.drainGoesOn()) {
                return Action.NONE; // ours, still needed (or a person uncordoned it: theirs to decide)
            }
            return f.unschedulable() ? Action.UNCORDON : Action.CLEAR_MARK;
        }
        if (f.enabled() && f.annotationAsks() && f.drainGoesOn() && f.drainStarts() && !f.unschedulable()) {
            return Action.CORDON;
        }
        return Action.NONE;
    }
}
