package io.drainpilot.work;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The evaluation queue's front door: a node asked for many times while it waits is queued once (bursts of watch
 * events coalesce). The node leaves the pending set when its evaluation starts ({@link #take}), so a change that
 * arrives during the evaluation queues it again.
 */
public class NodeQueue {
    private final Set<String> pending = ConcurrentHashMap.newKeySet();
    private volatile Consumer<String> sink;

    /** Where queued nodes go (the route's seda endpoint); set once the routes run. */
    public void connect(Consumer<String> sink) {
        this.sink = sink;
    }

    /** Queues the node unless it is queued already; true when it was added. */
    public boolean offer(String node) {
        Consumer<String> s = sink;
        if (node == null || s == null || !pending.add(node)) {
            return false;
        }
        try {
            s.accept(node);
        } catch (RuntimeException e) {
            pending.remove(node);
            throw e;
        }
        return true;
    }

    /** The evaluation of this node starts now. */
    public String take(String node) {
        pending.remove(node);
        return node;
    }

    public int pending() {
        return pending.size();
    }
}
