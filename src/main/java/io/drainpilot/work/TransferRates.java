package io.drainpilot.work;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How fast migrations have moved memory in this cluster, as this process saw them end: the last {@link #PER_PAIR}
 * finished migrations per source->target pair and the last {@link #CLUSTER_WIDE} of all, across drains. Memory only
 * and bounded (at most {@link #PAIRS} pairs, the least recently fed dropped first): a restarted process estimates
 * again once its first migration ends. Thread-safe.
 */
public class TransferRates {
    public static final int PER_PAIR = 10;
    public static final int CLUSTER_WIDE = 50;
    public static final int PAIRS = 256;

    /**
     * One migration that succeeded.
     *
     * @param key      namespace/name of the migration, so one seen twice is counted once
     * @param bytes    the VM's memory
     * @param duration creation to Succeeded
     * @param setup    creation to Running (target pod scheduled and prepared), part of {@code duration}; null when
     *                 not known
     */
    public record Sample(String key, String source, String target, long bytes, Duration duration, Duration setup) {
        public Sample(String key, String source, String target, long bytes, Duration duration) {
            this(key, source, target, bytes, duration, null);
        }

        public double seconds() {
            return duration.toMillis() / 1000.0;
        }

        /** Creation to Running in seconds, or -1 when not known (or not within the duration). */
        public double setupSeconds() {
            return setup == null || setup.isNegative() || setup.compareTo(duration) > 0 ? -1 : setup.toMillis() / 1000.0;
        }
    }

    /** What the estimate reads: the samples of each pair ({@code source->target}) and the cluster's. */
    public record History(Map<String, List<Sample>> byPair, List<Sample> cluster) {
        public static final History EMPTY = new History(Map.of(), List.of());

        public List<Sample> pair(String source, String target) {
            return source == null || target == null ? List.of() : byPair.getOrDefault(pairKey(source, target), List.of());
        }
    }

    /** How many migrations under way have their VM's memory remembered. */
    public static final int REMEMBERED = 1024;

    private final Map<String, Deque<Sample>> byPair = new LinkedHashMap<>(16, 0.75f, true);
    /**
     * The memory of VMs seen migrating, by migration: once moved, a VMI may be on a node whose VMIs are not watched,
     * and its memory is then read from here.
     */
    private final Map<String, Long> memory = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > REMEMBERED;
        }
    };
    private final Deque<Sample> cluster = new ArrayDeque<>();

    /** The memory of the VM a migration under way moves ({@code key}: namespace/name of the migration). */
    public synchronized void remember(String key, long bytes) {
        if (bytes > 0) {
            memory.put(key, bytes);
        }
    }

    /**
     * A finished migration; ignored when its memory (given, or remembered while it ran), route or duration is
     * unknown, or when it is known already.
     */
    public synchronized boolean record(Sample given) {
        Sample s = given != null && given.bytes() <= 0 && memory.containsKey(given.key())
                ? new Sample(given.key(), given.source(), given.target(), memory.get(given.key()), given.duration(),
                        given.setup())
                : given;
        if (s == null || s.bytes() <= 0 || s.duration() == null || s.duration().isNegative() || s.duration().isZero()
                || s.source() == null || s.target() == null || s.source().equals(s.target())) {
            return false;
        }
        if (cluster.stream().anyMatch(c -> c.key().equals(s.key()))) {
            return false;
        }
        Deque<Sample> pair = byPair.computeIfAbsent(pairKey(s.source(), s.target()), k -> new ArrayDeque<>());
        if (pair.stream().anyMatch(c -> c.key().equals(s.key()))) {
            return false;
        }
        add(pair, s, PER_PAIR);
        memory.remove(s.key());
        add(cluster, s, CLUSTER_WIDE);
        if (byPair.size() > PAIRS) {
            byPair.remove(byPair.keySet().iterator().next());
        }
        return true;
    }

    public synchronized History history() {
        Map<String, List<Sample>> pairs = new LinkedHashMap<>();
        byPair.forEach((k, v) -> pairs.put(k, List.copyOf(v)));
        return new History(Map.copyOf(pairs), List.copyOf(new ArrayList<>(cluster)));
    }

    private static void add(Deque<Sample> to, Sample s, int max) {
        to.addLast(s);
        while (to.size() > max) {
            to.removeFirst();
        }
    }

    static String pairKey(String source, String target) {
        return source + "->" + target;
    }
}
