package io.drainpilot.sim;

import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;

import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Seeded API fault injection for the simulated cluster: on a configurable share of the requests of the system under
 * test (never the simulator's own, User-Agent {@link SimDispatcher#SIM_USER_AGENT}, nor any User-Agent listed as
 * exempt, such as a test's own client), answers with one of the {@link Fault}s.
 *
 * <p>What fabric8's mockwebserver 7.5.2 (Vert.x based) allows: a {@link MockResponse} has a status, headers, a body
 * and a body delay ({@code setBodyDelay}: the whole response, head included, is sent by a Vert.x timer, so delaying
 * never blocks the event loop). It has no socket policy (no "disconnect after request" as OkHttp's mock had) and the
 * interceptor never sees the connection. A dropped connection is therefore modelled as a response the client never
 * gets in time: it is delayed beyond the client's request timeout, so the client sees exactly what a dead peer looks
 * like (a timeout). Two flavours: {@link Fault#DROP} (the server never acted on the request) and
 * {@link Fault#LOST_RESPONSE} (the server acted, the answer was lost: the case that tempts a client into
 * duplicates). Slow responses ({@link Fault#SLOW}) are acted on and answered within the timeout.
 *
 * <p>Reproducibility: the faults are drawn from one {@code java.util.Random(seed)}, one draw per eligible request in
 * arrival order; with concurrent requests the arrival order (and so which request gets which fault) can vary a
 * little between runs, the fault sequence itself does not.
 */
public final class FaultInjector implements RequestInterceptor {

    public enum Fault {
        /** 500 InternalError, not acted on. */
        ERROR_500,
        /** 503 ServiceUnavailable, not acted on. */
        ERROR_503,
        /** 429 TooManyRequests with a Retry-After header, not acted on. */
        THROTTLE_429,
        /** Acted on, answered after a delay within the client's timeout. */
        SLOW,
        /** Not acted on, no answer within the client's timeout (a dropped connection). */
        DROP,
        /** Acted on, but the answer comes after the client's timeout (the response was lost). */
        LOST_RESPONSE
    }

    private final SimDispatcher dispatcher;
    private final Random random;
    private final double share;
    private final List<Fault> faults;
    private final Duration slowMax;
    private final Duration dropDelay;
    private final Set<String> exemptUserAgents;
    private final int retryAfterSeconds;
    private final ThreadLocal<Boolean> passingThrough = ThreadLocal.withInitial(() -> false);
    private final Map<Fault, AtomicLong> injected = new EnumMap<>(Fault.class);
    private final AtomicLong eligible = new AtomicLong();
    private volatile boolean enabled = true;

    private FaultInjector(Builder b, SimDispatcher dispatcher) {
        this.dispatcher = dispatcher;
        this.random = new Random(b.seed);
        this.share = b.share;
        this.faults = List.copyOf(b.faults);
        this.slowMax = b.slowMax;
        this.dropDelay = b.dropDelay;
        this.exemptUserAgents = Set.copyOf(b.exemptUserAgents);
        this.retryAfterSeconds = b.retryAfterSeconds;
        for (Fault f : Fault.values()) {
            injected.put(f, new AtomicLong());
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Stops (false) or resumes (true) injecting; requests pass untouched while stopped. */
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    /** How many requests got each fault so far. */
    public Map<Fault, Long> injected() {
        Map<Fault, Long> out = new EnumMap<>(Fault.class);
        injected.forEach((f, n) -> out.put(f, n.get()));
        return out;
    }

    public long eligibleRequests() {
        return eligible.get();
    }

    public long totalInjected() {
        return injected.values().stream().mapToLong(AtomicLong::get).sum();
    }

    @Override
    public Optional<MockResponse> intercept(RecordedRequest request) {
        if (passingThrough.get() || !enabled) {
            return Optional.empty();
        }
        String agent = request.getHeader("User-Agent");
        if (SimDispatcher.SIM_USER_AGENT.equals(agent) || (agent != null && exemptUserAgents.contains(agent))) {
            return Optional.empty();
        }
        if (ApiPath.parse(request.getPath()).isWatch()) {
            return Optional.empty(); // DrainPilot polls; a watch fault would only test fabric8
        }
        eligible.incrementAndGet();
        Fault fault;
        long slowMillis;
        synchronized (random) {
            if (random.nextDouble() >= share) {
                return Optional.empty();
            }
            fault = faults.get(random.nextInt(faults.size()));
            slowMillis = 1 + random.nextInt((int) Math.max(1, slowMax.toMillis()));
        }
        injected.get(fault).incrementAndGet();
        return Optional.of(switch (fault) {
            case ERROR_500 -> StatusResponses.failure(500, "InternalError", "injected fault: internal error");
            case ERROR_503 -> StatusResponses.failure(503, "ServiceUnavailable", "injected fault: unavailable");
            case THROTTLE_429 -> StatusResponses.failure(429, "TooManyRequests", "injected fault: throttled")
                    .setHeader("Retry-After", String.valueOf(retryAfterSeconds));
            case SLOW -> passThrough(request).setBodyDelay(Duration.ofMillis(slowMillis));
            case DROP -> StatusResponses.failure(504, "Timeout", "injected fault: dropped (client gave up earlier)")
                    .setBodyDelay(dropDelay);
            case LOST_RESPONSE -> passThrough(request).setBodyDelay(dropDelay);
        });
    }

    /** The normal handling (the remaining interceptors, admission, the CRUD store), answered later. */
    private MockResponse passThrough(RecordedRequest request) {
        passingThrough.set(true);
        try {
            return dispatcher.passOn(request);
        } finally {
            passingThrough.set(false);
        }
    }

    public static final class Builder {
        private long seed = 1;
        private double share = 0.1;
        private List<Fault> faults = List.of(Fault.values());
        private Duration slowMax = Duration.ofMillis(300);
        private Duration dropDelay = Duration.ofSeconds(3);
        private Set<String> exemptUserAgents = Set.of();
        private int retryAfterSeconds = 1;

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Share of eligible requests that get a fault, 0..1. */
        public Builder share(double share) {
            if (share < 0 || share > 1) {
                throw new IllegalArgumentException("share must be within 0..1");
            }
            this.share = share;
            return this;
        }

        /** Which faults to draw from, each equally likely. */
        public Builder faults(Fault... faults) {
            if (faults.length == 0) {
                throw new IllegalArgumentException("at least one fault");
            }
            this.faults = List.of(faults);
            return this;
        }

        /** Upper bound of a slow response's delay (drawn uniformly from 1 ms to this). */
        public Builder slowMax(Duration slowMax) {
            this.slowMax = slowMax;
            return this;
        }

        /** Delay of a dropped or lost answer: must exceed the client's request timeout. */
        public Builder dropDelay(Duration dropDelay) {
            this.dropDelay = dropDelay;
            return this;
        }

        public Builder retryAfterSeconds(int seconds) {
            this.retryAfterSeconds = seconds;
            return this;
        }

        /** User-Agents never faulted (besides the simulator's own), e.g. the test's observer client. */
        public Builder exempt(String... userAgents) {
            this.exemptUserAgents = Set.of(userAgents);
            return this;
        }

        /** Builds the injector and adds it to the cluster's dispatcher. */
        public FaultInjector install(SimulatedCluster cluster) {
            FaultInjector injector = new FaultInjector(this, cluster.dispatcher());
            cluster.dispatcher().addInterceptor(injector);
            return injector;
        }
    }
}
