package io.drainpilot.view;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * An informer's store, shaped for DrainPilot:
 * <ul>
 *   <li>keeps a trimmed copy of each object (only what decisions read: a real Node carries tens of KB of images and
 *       managedFields);</li>
 *   <li>takes DrainPilot's own writes at once ({@link #assume}), so the next decision sees them before their watch
 *       event arrives, and that event then changes nothing (same resourceVersion: the informer sends no update);</li>
 *   <li>never goes back to an older resourceVersion than it holds (a late event of an earlier change);</li>
 *   <li>keeps its own indexes, which also follow assumed objects.</li>
 * </ul>
 * Keys are {@code namespace/name}, or {@code name} for cluster-scoped objects, as fabric8's cache keys them.
 */
public final class CachedStore<T extends HasMetadata> implements ItemStore<T> {
    private final Map<String, T> items = new ConcurrentHashMap<>();
    private final UnaryOperator<T> trim;
    private final Map<String, Function<T, List<String>>> indexers;
    private final Map<String, Map<String, Set<String>>> indexes = new ConcurrentHashMap<>();
    /** What was removed lately, so a late event of an older version cannot bring it back. */
    private final Map<String, HasMetadata> tombstones = new java.util.LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, HasMetadata> eldest) {
            return size() > MAX_TOMBSTONES;
        }
    };
    private static final int MAX_TOMBSTONES = 10_000;

    /**
     * @param trim     what to keep of each object (must return a new object or the same one, never null)
     * @param indexers index name -> the index values of an object
     */
    public CachedStore(UnaryOperator<T> trim, Map<String, Function<T, List<String>>> indexers) {
        this.trim = trim;
        this.indexers = Map.copyOf(indexers);
        this.indexers.keySet().forEach(name -> indexes.put(name, new ConcurrentHashMap<>()));
    }

    public CachedStore(UnaryOperator<T> trim) {
        this(trim, Map.of());
    }

    public static String keyOf(String namespace, String name) {
        return namespace == null || namespace.isEmpty() ? name : namespace + "/" + name;
    }

    @Override
    public String getKey(T obj) {
        return keyOf(obj.getMetadata().getNamespace(), obj.getMetadata().getName());
    }

    @Override
    public synchronized T put(String key, T obj) {
        T before = items.get(key);
        if (before != null && olderThan(obj, before)) {
            return before; // a late event: what we hold is newer
        }
        HasMetadata gone = tombstones.get(key);
        if (before == null && gone != null && !newerThan(obj, gone)) {
            return null; // a late event of something removed since
        }
        tombstones.remove(key);
        T kept = trim.apply(obj);
        items.put(key, kept);
        reindex(key, before, kept);
        return before;
    }

    /** An object as our own write returned it; ignored when the cache already holds a newer one. */
    public void assume(T obj) {
        put(getKey(obj), obj);
    }

    @Override
    public synchronized T remove(String key) {
        T before = items.remove(key);
        if (before != null) {
            reindex(key, before, null);
            tombstones.put(key, before);
        }
        return before;
    }

    @Override
    public Stream<String> keySet() {
        return items.keySet().stream();
    }

    @Override
    public Stream<T> values() {
        return items.values().stream();
    }

    @Override
    public int size() {
        return items.size();
    }

    @Override
    public T get(String key) {
        return items.get(key);
    }

    public T get(String namespace, String name) {
        return items.get(keyOf(namespace, name));
    }

    public List<T> list() {
        return new ArrayList<>(items.values());
    }

    /** The objects whose index {@code index} holds {@code value}. */
    public List<T> byIndex(String index, String value) {
        Set<String> keys = indexes.get(index).get(value);
        if (keys == null) {
            return List.of();
        }
        List<T> out = new ArrayList<>(keys.size());
        for (String k : keys) {
            T t = items.get(k);
            if (t != null) {
                out.add(t);
            }
        }
        return out;
    }

    /** The values index {@code index} holds (for example every source node with a migration). */
    public Set<String> indexValues(String index) {
        return Set.copyOf(indexes.get(index).keySet());
    }

    private void reindex(String key, T before, T after) {
        indexers.forEach((name, fn) -> {
            Map<String, Set<String>> index = indexes.get(name);
            if (before != null) {
                for (String v : fn.apply(before)) {
                    Set<String> keys = index.get(v);
                    if (keys != null) {
                        keys.remove(key);
                        if (keys.isEmpty()) {
                            index.remove(v);
                        }
                    }
                }
            }
            if (after != null) {
                for (String v : fn.apply(after)) {
                    index.computeIfAbsent(v, x -> ConcurrentHashMap.newKeySet()).add(key);
                }
            }
        });
    }

    /** True when {@code candidate} is a newer version of {@code held}, or another object of the same name. */
    static boolean newerThan(HasMetadata candidate, HasMetadata held) {
        if (!Objects.equals(candidate.getMetadata().getUid(), held.getMetadata().getUid())) {
            return true;
        }
        try {
            return Long.parseLong(candidate.getMetadata().getResourceVersion())
                    > Long.parseLong(held.getMetadata().getResourceVersion());
        } catch (NumberFormatException | NullPointerException e) {
            return true;
        }
    }

    /**
     * True when {@code candidate} is an older version of {@code held}. Resource versions are opaque to clients, but
     * every API server in use hands out increasing integers (etcd revisions); anything else is never called older.
     */
    static boolean olderThan(HasMetadata candidate, HasMetadata held) {
        if (!Objects.equals(candidate.getMetadata().getUid(), held.getMetadata().getUid())
                && candidate.getMetadata().getUid() != null && held.getMetadata().getUid() != null) {
            return false; // deleted and created again: the new object wins
        }
        try {
            return Long.parseLong(candidate.getMetadata().getResourceVersion())
                    < Long.parseLong(held.getMetadata().getResourceVersion());
        } catch (NumberFormatException | NullPointerException e) {
            return false;
        }
    }
}
