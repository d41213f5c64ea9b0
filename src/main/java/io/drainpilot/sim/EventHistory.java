package io.drainpilot.sim;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The recent changes of each resource, from which a watch resumes: at most {@code capacity} changes per resource
 * (the oldest go first), in resourceVersion order. A resume from a resourceVersion is possible while every change
 * after it is still held; {@link #compact} drops everything, as etcd's compaction does. Not thread-safe: the
 * {@link WatchHub} uses it under its lock.
 */
final class EventHistory {
    private final Map<String, Deque<StoreChange>> changes = new HashMap<>();
    // per resource: the resourceVersion of the last change dropped; a resume needs to start at or after it
    private final Map<String, Long> dropped = new HashMap<>();
    private long compactedThrough;
    private int capacity;

    EventHistory(int capacity) {
        capacity(capacity);
    }

    void capacity(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("the history must hold at least one change per resource");
        }
        this.capacity = capacity;
        changes.forEach((resource, held) -> trim(resource, held));
    }

    int capacity() {
        return capacity;
    }

    void add(StoreChange change) {
        Deque<StoreChange> held = changes.computeIfAbsent(change.resource(), r -> new ArrayDeque<>());
        held.addLast(change);
        trim(change.resource(), held);
    }

    /** The oldest resourceVersion a watch of this resource can still resume from. */
    long oldestResumable(String resource) {
        return Math.max(compactedThrough, dropped.getOrDefault(resource, 0L));
    }

    /** The changes of the resource after this resourceVersion, oldest first; null when some are no longer held. */
    List<StoreChange> after(String resource, long resourceVersion) {
        if (resourceVersion < oldestResumable(resource)) {
            return null;
        }
        Deque<StoreChange> held = changes.get(resource);
        if (held == null) {
            return List.of();
        }
        List<StoreChange> newer = new ArrayList<>();
        for (Iterator<StoreChange> it = held.descendingIterator(); it.hasNext(); ) {
            StoreChange c = it.next();
            if (c.resourceVersion() <= resourceVersion) {
                break;
            }
            newer.add(c);
        }
        Collections.reverse(newer);
        return newer;
    }

    /** Forgets every change up to and including this resourceVersion. */
    void compact(long through) {
        changes.clear();
        dropped.clear();
        compactedThrough = Math.max(compactedThrough, through);
    }

    int size() {
        return changes.values().stream().mapToInt(Deque::size).sum();
    }

    private void trim(String resource, Deque<StoreChange> held) {
        while (held.size() > capacity) {
            dropped.put(resource, held.removeFirst().resourceVersion());
        }
    }
}
