package io.drainpilot.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.Set;
import java.util.function.Supplier;

/**
 * {@link DrainMetrics} on the Micrometer registry Camel serves at {@code /observe/metrics} (Prometheus names):
 * <ul>
 * <li>{@code drainpilot_migrations_started_total{node}}</li>
 * <li>{@code drainpilot_migrations_ended_total{result}}: Succeeded, Failed, TimedOut, Gone</li>
 * <li>{@code drainpilot_migration_duration_seconds{result}}: creation to Succeeded (histogram)</li>
 * <li>{@code drainpilot_recovery_outcomes_total{reason,action}}</li>
 * <li>{@code drainpilot_alerts_total{channel,ok}}</li>
 * <li>gauges from the {@link StatusBoard}: {@code drainpilot_nodes_draining}, {@code drainpilot_vmis_pending},
 * {@code drainpilot_vmis_in_flight}</li>
 * </ul>
 * The registry is looked up when first needed: Camel Main creates it while the context starts, after the beans
 * are bound. Without one (metrics disabled) every call is a no-op.
 */
public class MicrometerDrainMetrics implements DrainMetrics {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(MicrometerDrainMetrics.class);
    /** Board states of a VM still to be moved (planned, or waiting out a backoff). */
    static final Set<String> PENDING = Set.of("Planned", "Starting", "Queued", "Settling", "Waiting",
            "NotMigratable", "NoCompatibleTarget", "NoSafeTarget");
    static final Set<String> IN_FLIGHT = Set.of("Migrating", "Adopted");
    /** Node states that are no longer draining, though the signal may still be on the node. */
    static final Set<String> NOT_DRAINING = Set.of(io.drainpilot.names.Names.COMPLETED, io.drainpilot.names.Names.CANCELLED);

    private final Supplier<MeterRegistry> lookup;
    private volatile MeterRegistry registry;
    private volatile StatusBoard board;
    private boolean gauges;

    public MicrometerDrainMetrics(Supplier<MeterRegistry> lookup) {
        this.lookup = lookup;
    }

    public MicrometerDrainMetrics(MeterRegistry registry) {
        this(() -> registry);
    }

    @Override
    public void board(StatusBoard board) {
        this.board = board;
        registry();
    }

    /** The registry, once Camel has one; registers the board gauges the first time both are known. */
    public synchronized MeterRegistry registry() {
        if (registry == null) {
            registry = lookup.get();
        }
        if (registry != null && board != null && !gauges) {
            StatusBoard b = board;
            Gauge.builder("drainpilot.nodes.draining", b, s -> s.cards().stream()
                            .filter(c -> !NOT_DRAINING.contains(c.state())).count())
                    .description("Nodes DrainPilot is evacuating (InProgress, Blocked or dry run), as of the last scan")
                    .register(registry);
            Gauge.builder("drainpilot.vmis.pending", b, s -> s.cards().stream().flatMap(c -> c.vms().stream())
                            .filter(v -> PENDING.contains(v.state())).count())
                    .description("VMs on draining nodes still to be moved: planned, queued for a slot, starting, "
                            + "waiting out a backoff or bound for recovery")
                    .register(registry);
            Gauge.builder("drainpilot.vmis.in.flight", b, s -> s.cards().stream().flatMap(c -> c.vms().stream())
                            .filter(v -> IN_FLIGHT.contains(v.state())).count())
                    .description("VMs on draining nodes with a live migration under way")
                    .register(registry);
            gauges = true;
        }
        return registry;
    }

    /** Metrics never break the flow: a failure here is logged, not thrown into a stage. */
    private void safely(String what, java.util.function.Consumer<MeterRegistry> count) {
        try {
            MeterRegistry r = registry();
            if (r != null) {
                count.accept(r);
            }
        } catch (RuntimeException e) {
            LOG.warn("metrics: could not count {}: {}", what, e.toString());
        }
    }

    @Override
    public void migrationStarted(String node) {
        safely("migration started", r -> {
            Counter.builder("drainpilot.migrations.started").description("Live migrations (VMIMs) DrainPilot created")
                    .tag("node", String.valueOf(node)).register(r).increment();
        });
    }

    @Override
    public void migrationEnded(String result, Duration duration) {
        safely("migration ended", r -> {
            Counter.builder("drainpilot.migrations.ended").description("Migrations of DrainPilot's that ended, by result")
                    .tag("result", String.valueOf(result)).register(r).increment();
            if (duration != null) {
                Timer.builder("drainpilot.migration.duration").description("Migration creation to Succeeded")
                        .tag("result", String.valueOf(result)).publishPercentileHistogram()
                        .minimumExpectedValue(Duration.ofSeconds(1)).maximumExpectedValue(Duration.ofHours(2))
                        .register(r).record(duration);
            }
        });
    }

    @Override
    public void recoveryOutcome(String reason, String action) {
        safely("recovery outcome", r -> {
            Counter.builder("drainpilot.recovery.outcomes").description("Recovery decisions, by reason and action")
                    .tag("reason", String.valueOf(reason)).tag("action", String.valueOf(action)).register(r).increment();
        });
    }

    @Override
    public void alertDelivered(String channel, boolean ok) {
        safely("alert", r -> {
            Counter.builder("drainpilot.alerts").description("Alerts sent to a channel (log, events, webhook)")
                    .tag("channel", String.valueOf(channel)).tag("ok", String.valueOf(ok)).register(r).increment();
        });
    }
}
