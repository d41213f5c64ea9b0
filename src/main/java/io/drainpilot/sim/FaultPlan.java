package io.drainpilot.sim;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Migration failures a test asked for, per VMI. Thread-safe: tests write, the simulator loop reads. */
final class FaultPlan {
    private final Map<String, Deque<String>> failNext = new HashMap<>();
    private final Map<String, String> failAll = new HashMap<>();
    private final Set<String> stalled = new HashSet<>();

    synchronized void failNext(String namespace, String vmi, String reason) {
        failNext.computeIfAbsent(ClusterView.key(namespace, vmi), k -> new ArrayDeque<>()).add(reason);
    }

    synchronized void failAll(String namespace, String vmi, String reason) {
        failAll.put(ClusterView.key(namespace, vmi), reason);
    }

    synchronized void stall(String namespace, String vmi) {
        stalled.add(ClusterView.key(namespace, vmi));
    }

    synchronized void clear(String namespace, String vmi) {
        String key = ClusterView.key(namespace, vmi);
        failNext.remove(key);
        failAll.remove(key);
        stalled.remove(key);
    }

    synchronized boolean isStalled(String vmiKey) {
        return stalled.contains(vmiKey);
    }

    /** The failure reason for the migration finishing now, consuming a one-shot failure. */
    synchronized Optional<String> takeFailure(String vmiKey) {
        Deque<String> queue = failNext.get(vmiKey);
        if (queue != null && !queue.isEmpty()) {
            return Optional.of(queue.poll());
        }
        return Optional.ofNullable(failAll.get(vmiKey));
    }
}
