package io.drainpilot.sim;

import java.time.Instant;

/**
 * One of Harvester's node jobs ({@code <upgrade>-<type>-<node>}), acted out step by step on the simulation's tick
 * instead of running a pod: each subclass walks its script's steps and marks the Job complete at the end.
 */
abstract class NodeJob {
    final String type;
    final String node;
    final Instant createdAt;
    private boolean complete;
    private boolean handled;

    NodeJob(String type, String node, Instant createdAt) {
        this.type = type;
        this.node = node;
        this.createdAt = createdAt;
    }

    /** Runs whatever the script would have done by {@code view.now()}. */
    abstract void step(HarvesterView view, HarvesterContext ctx);

    boolean isComplete() {
        return complete;
    }

    /** The script exited 0: the Job gets {@code status.succeeded=1} and condition Complete. */
    void complete(HarvesterContext ctx) {
        ctx.writer().completeJob(type, node);
        complete = true;
    }

    /** Harvester's job controller reacts to a completed Job once. */
    boolean takeCompletion() {
        if (complete && !handled) {
            handled = true;
            return true;
        }
        return false;
    }

    /** The pod has started and the script's preamble (agent restart, Longhorn health loop) is over. */
    boolean started(HarvesterView view, HarvesterContext ctx) {
        return !view.now().isBefore(createdAt.plus(ctx.scaled(ctx.timings().jobStart())));
    }
}
