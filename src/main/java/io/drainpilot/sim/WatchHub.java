package io.drainpilot.sim;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.Watcher.Action;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * The simulated API server's watches, served as a real kube-apiserver serves them:
 * <ul>
 *   <li>A watch without {@code resourceVersion} (or with "0") starts with every matching object as ADDED, then
 *       follows the changes. A watch from resourceVersion X gets exactly the changes after X, in order, that
 *       concern its namespace and selectors: an object entering the selection is ADDED, one staying in it
 *       MODIFIED, one leaving it or deleted DELETED (its last state, at the change's resourceVersion).</li>
 *   <li>Every change of the store (create, update, patch, status, delete) is one event with the object's new
 *       resourceVersion; an update that changes nothing is no event. Resource versions come from one counter for
 *       the whole store; a list answers with the last one given, from which a watch resumes without a gap.</li>
 *   <li>The recent changes are kept per resource ({@link #DEFAULT_HISTORY_PER_RESOURCE} by default). A watch from
 *       a resourceVersion whose following changes are no longer all held gets one ERROR event (Status 410,
 *       reason {@code Expired}, "too old resource version") and is closed: the client has to list again.
 *       {@link #compactHistory()} drops the history on demand. A resourceVersion newer than the store's gets
 *       ERROR 504 "Too large resource version" (the real server first waits up to 3 s for it).</li>
 *   <li>The server ends each watch after its {@code timeoutSeconds}, or without one after a random 30 to 60
 *       minutes (the real server's default: {@code --min-request-timeout} 1800 s to twice that). Tests shorten it
 *       with {@link #endWatchesAfter}, end every watch at once with {@link #endAllWatches()}.</li>
 * </ul>
 *
 * <p>Simplifications: no BOOKMARK events are sent ({@code allowWatchBookmarks} is ignored) and
 * {@code sendInitialEvents} (watch-list streaming) is refused with 422, as by a server without the WatchList
 * feature (fabric8's {@code Config.watchList} must stay off); one history per resource stands for the
 * real server's watch cache and etcd together, sized by a count of changes rather than by time (the real watch
 * cache keeps at least the last 75 s of changes); a watch over plain HTTP (no WebSocket upgrade: fabric8's
 * {@code onlyHttpWatches}) is answered with the events available at once and then ended, so the client
 * reconnects and resumes from its last resourceVersion instead of holding one long response; a slow watcher is
 * never dropped (its socket buffers without limit).
 *
 * <p>Thread-safe: everything happens under the store's change lock, the same lock its writes commit under.
 */
public final class WatchHub {
    /** Changes kept per resource unless {@link #historyPerResource(int)} says otherwise. */
    public static final int DEFAULT_HISTORY_PER_RESOURCE = 1000;
    private static final Duration SERVER_MIN_TIMEOUT = Duration.ofMinutes(30);
    private static final int NORMAL_CLOSURE = 1000;
    private static final int GOING_AWAY = 1001;

    /** What the hub needs from the store: its objects of one resource, under the change lock. */
    interface Objects {
        void forEach(String resource, BiConsumer<AttributeSet, String> action);

        /** Runs the action with a new resourceVersion from the store's counter, while no write is in flight. */
        void withNewResourceVersionAlone(LongConsumer action);
    }

    private final Object lock;
    private final Objects store;
    private final EventHistory history = new EventHistory(DEFAULT_HISTORY_PER_RESOURCE);
    private final Map<String, Set<ServerWatch>> open = new HashMap<>();
    private final Random random;
    private ScheduledExecutorService timer;
    private Duration minLifetime;
    private Duration maxLifetime;
    private long committed;
    private boolean shutDown;
    private long endedByServer;
    private long expired;

    WatchHub(Object lock, Objects store, long seed) {
        this.lock = lock;
        this.store = store;
        this.random = new Random(seed);
    }

    // ---- control, for tests and benchmarks

    /**
     * From now on the server ends every watch (those open now too) after a random time between min and max, or its
     * {@code timeoutSeconds} if that is shorter; the client then resumes from the last resourceVersion it saw.
     */
    public void endWatchesAfter(Duration min, Duration max) {
        if (min.isNegative() || max.compareTo(min) < 0) {
            throw new IllegalArgumentException("need 0 <= min <= max, got " + min + ", " + max);
        }
        synchronized (lock) {
            minLifetime = min;
            maxLifetime = max;
            open.values().forEach(watches -> watches.forEach(this::scheduleEnd));
        }
    }

    /** Back to the real server's watch lifetimes: {@code timeoutSeconds}, or 30 to 60 minutes. */
    public void endWatchesLikeARealServer() {
        synchronized (lock) {
            minLifetime = null;
            maxLifetime = null;
            open.values().forEach(watches -> watches.forEach(this::scheduleEnd));
        }
    }

    /** Ends every open watch now (as an API server restart would); returns how many. */
    public int endAllWatches() {
        synchronized (lock) {
            List<ServerWatch> all = new ArrayList<>();
            open.values().forEach(all::addAll);
            all.forEach(w -> end(w, NORMAL_CLOSURE));
            return all.size();
        }
    }

    /**
     * Drops the change history, as an etcd compaction after further writes does: the store moves to a new
     * resourceVersion, and a watch resuming from any resourceVersion given out before gets 410 Expired. Open
     * watches go on.
     */
    public void compactHistory() {
        store.withNewResourceVersionAlone(through -> {
            synchronized (lock) {
                committed = Math.max(committed, through);
                history.compact(through);
            }
        });
    }

    /** How many changes per resource are kept for watches to resume from (the oldest are dropped first). */
    public void historyPerResource(int changes) {
        synchronized (lock) {
            history.capacity(changes);
        }
    }

    public int openWatches() {
        synchronized (lock) {
            return open.values().stream().mapToInt(Set::size).sum();
        }
    }

    /** Watches the server ended (lifetime over, {@link #endAllWatches()}), not counting those clients closed. */
    public long watchesEndedByServer() {
        synchronized (lock) {
            return endedByServer;
        }
    }

    /** Watches refused with 410 Expired because their resourceVersion was too old. */
    public long expiredResumes() {
        synchronized (lock) {
            return expired;
        }
    }

    /** The store's current resourceVersion: what a list answers now. */
    public long resourceVersion() {
        synchronized (lock) {
            return committed;
        }
    }

    // ---- for the store

    /** Records a committed change and sends it to the open watches it concerns; the caller holds the lock. */
    void record(StoreChange change) {
        history.add(change);
        committed = Math.max(committed, change.resourceVersion());
        Set<ServerWatch> watches = open.get(change.resource());
        if (watches == null) {
            return;
        }
        for (ServerWatch w : watches) {
            String frame = change.frameFor(w.query);
            if (frame != null) {
                w.socket.send(frame);
            }
        }
    }

    /** The resourceVersion a list answers with; the caller holds the lock. */
    long committed() {
        return committed;
    }

    /** The WebSocket side of a new watch; it starts when the client's socket opens. */
    WebSocketListener newWatch(ResourceQuery query) {
        return new ServerWatch(query);
    }

    /** A watch over plain HTTP: the events available now, one JSON object per line; the watch then ends. */
    String eventsNow(ResourceQuery query) {
        StringBuilder body = new StringBuilder();
        synchronized (lock) {
            start(query, frame -> body.append(frame).append('\n'));
        }
        return body.toString();
    }

    void shutdown() {
        synchronized (lock) {
            shutDown = true;
            List<ServerWatch> all = new ArrayList<>();
            open.values().forEach(all::addAll);
            all.forEach(w -> end(w, GOING_AWAY));
            if (timer != null) {
                timer.shutdownNow();
            }
        }
    }

    // ---- inside

    /** Sends what a new watch starts with; returns false when that ends the watch (an ERROR). */
    private boolean start(ResourceQuery query, Consumer<String> send) {
        if (query.startsFromCurrentState()) {
            store.forEach(query.resource(), (key, json) -> {
                if (query.matches(key, () -> StoreChange.parse(json))) {
                    send.accept(StoreChange.frame(Action.ADDED, query.render(json)));
                }
            });
            return true;
        }
        long from = query.resourceVersionNumber();
        if (from > committed) {
            send.accept(error(504, "Timeout", "Too large resource version: " + from + ", current: " + committed, 1));
            return false;
        }
        List<StoreChange> changes = history.after(query.resource(), from);
        if (changes == null) {
            expired++;
            send.accept(error(410, "Expired", "too old resource version: " + from + " ("
                    + history.oldestResumable(query.resource()) + ")", null));
            return false;
        }
        for (StoreChange c : changes) {
            String frame = c.frameFor(query);
            if (frame != null) {
                send.accept(frame);
            }
        }
        return true;
    }

    private static String error(int code, String reason, String message, Integer retryAfterSeconds) {
        StatusBuilder status = new StatusBuilder().withStatus("Failure").withCode(code).withReason(reason)
                .withMessage(message).withNewMetadata().endMetadata();
        if (retryAfterSeconds != null) {
            status.withNewDetails().withRetryAfterSeconds(retryAfterSeconds).endDetails();
        }
        Status built = status.build();
        return StoreChange.frame(Action.ERROR, Serialization.asJson(built));
    }

    private void opened(ServerWatch w, WebSocket socket) {
        synchronized (lock) {
            w.socket = socket;
            if (shutDown) {
                socket.close(GOING_AWAY, "the API server is shutting down");
                return;
            }
            if (!start(w.query, socket::send)) {
                socket.close(NORMAL_CLOSURE, "");
                return;
            }
            open.computeIfAbsent(w.query.resource(), r -> new LinkedHashSet<>()).add(w);
            scheduleEnd(w);
        }
    }

    private void scheduleEnd(ServerWatch w) {
        if (w.end != null) {
            w.end.cancel(false);
        }
        long requested = w.query.timeoutSeconds() == null || w.query.timeoutSeconds() <= 0 ? -1
                : TimeUnit.SECONDS.toMillis(w.query.timeoutSeconds());
        long millis;
        if (minLifetime != null) {
            millis = between(minLifetime, maxLifetime);
            if (requested > 0) {
                millis = Math.min(millis, requested);
            }
        } else {
            millis = requested > 0 ? requested : between(SERVER_MIN_TIMEOUT, SERVER_MIN_TIMEOUT.multipliedBy(2));
        }
        w.end = timer().schedule(() -> {
            synchronized (lock) {
                if (isOpen(w)) {
                    end(w, NORMAL_CLOSURE);
                }
            }
        }, millis, TimeUnit.MILLISECONDS);
    }

    private long between(Duration min, Duration max) {
        long span = max.toMillis() - min.toMillis();
        return min.toMillis() + (span <= 0 ? 0 : (long) (random.nextDouble() * (span + 1)));
    }

    private ScheduledExecutorService timer() {
        if (timer == null) {
            timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "sim-api-watch-timeouts");
                t.setDaemon(true);
                return t;
            });
        }
        return timer;
    }

    private boolean isOpen(ServerWatch w) {
        Set<ServerWatch> watches = open.get(w.query.resource());
        return watches != null && watches.contains(w);
    }

    /** The server ends the watch; the caller holds the lock. */
    private void end(ServerWatch w, int code) {
        if (forget(w)) {
            endedByServer++;
            w.socket.close(code, "");
        }
    }

    private boolean forget(ServerWatch w) {
        synchronized (lock) {
            if (w.end != null) {
                w.end.cancel(false);
            }
            Set<ServerWatch> watches = open.get(w.query.resource());
            return watches != null && watches.remove(w);
        }
    }

    /** One watch's WebSocket, from the upgrade until either side closes it. */
    private final class ServerWatch extends WebSocketListener {
        private final ResourceQuery query;
        private WebSocket socket;
        private ScheduledFuture<?> end;

        ServerWatch(ResourceQuery query) {
            this.query = query;
        }

        @Override
        public void onOpen(WebSocket webSocket, Response response) {
            opened(this, webSocket);
        }

        @Override
        public void onClosing(WebSocket webSocket, int code, String reason) {
            forget(this);
            webSocket.close(code, reason);
        }

        @Override
        public void onClosed(WebSocket webSocket, int code, String reason) {
            forget(this);
        }

        @Override
        public void onFailure(WebSocket webSocket, Throwable error, Response response) {
            forget(this);
        }
    }
}
