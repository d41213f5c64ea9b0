package io.drainpilot.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * {@link DrainMetrics} on the Micrometer registry Camel serves at {@code /observe/metrics} (Prometheus names):
 * <ul>
 * <li>{@code drainpilot_migrations_started_total{node}}</li>
 * <li>{@code drainpilot_migrations_ended_total{result}}: Succeeded, Failed, TimedOut, Gone</li>
 * <li>{@code drainpilot_migration_duration_seconds{result}}: creation to Succeeded (histogram)</li>
 * <li>{@code drainpilot_migrated_bytes_total{node}}: memory of the VMs DrainPilot's migrations moved off the node</li>
 * <li>{@code drainpilot_node_eta_seconds{node}}: per node on the board with an estimate, the time its evacuation is
 * estimated to take still (as of the node's last evaluation, counting down)</li>
 * <li>{@code drainpilot_recovery_outcomes_total{reason,action}}</li>
 * <li>{@code drainpilot_alerts_total{channel,ok}}</li>
 * <li>gauges from the {@link StatusBoard}: {@code drainpilot_nodes_draining}, {@code drainpilot_vmis_pending},
 * {@code drainpilot_vmis_in_flight}</li>
 * <li>{@code drainpilot_node_evacuation_state{node,state}}: per node on the board, 1 for its state and 0 for the
 * other {@link #STATES} (the usual Prometheus form of an enum, so {@code == 1} selects the current one)</li>
 * <li>{@code drainpilot_migration_progress_ratio{namespace,vm}}: per running migration of ours, the share of its
 * data sent so far (0-1), from virt-handler's metrics in Prometheus (only with {@code drainpilot.progress.prometheus-url})</li>
 * <li>{@code drainpilot_leader}: 1 while this process leads (or runs without leader election), else 0</li>
 * <li>{@code drainpilot_build_info{version}}: always 1</li>
 * <li>{@code drainpilot_last_scan_timestamp_seconds}: Unix time of the last scan that went through</li>
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

    /** The states {@code drainpilot_node_evacuation_state} reports, as written to {@code drainpilot.io/evacuation}. */
    public static final List<String> STATES = List.of(io.drainpilot.names.Names.IN_PROGRESS,
            io.drainpilot.names.Names.COMPLETED, io.drainpilot.names.Names.BLOCKED, io.drainpilot.names.Names.CANCELLED);

    private final Supplier<MeterRegistry> lookup;
    private final String version;
    private final AtomicInteger leading = new AtomicInteger();
    private final AtomicLong lastScanMillis = new AtomicLong();
    private MultiGauge nodeStates;
    private MultiGauge progress;
    private MultiGauge nodeEtas;
    private volatile MeterRegistry registry;
    private volatile StatusBoard board;
    private boolean gauges;

    public MicrometerDrainMetrics(Supplier<MeterRegistry> lookup, String version) {
        this.lookup = lookup;
        this.version = version;
    }

    public MicrometerDrainMetrics(Supplier<MeterRegistry> lookup) {
        this(lookup, io.drainpilot.config.BuildVersion.current());
    }

    public MicrometerDrainMetrics(MeterRegistry registry) {
        this(() -> registry);
    }

    @Override
    public void board(StatusBoard board) {
        this.board = board;
        board.onChange(this::refreshNodeStates);
        registry();
        refreshNodeStates();
    }

    /** One row per node on the board and state; rows of nodes that left the board are removed. */
    private void refreshNodeStates() {
        MeterRegistry r = registry();
        StatusBoard b = board;
        if (r == null || b == null) {
            return;
        }
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        for (StatusBoard.NodeCard card : b.cards()) {
            for (String state : STATES) {
                rows.add(MultiGauge.Row.of(Tags.of("node", card.node(), "state", state), state.equals(card.state()) ? 1 : 0));
            }
        }
        List<MultiGauge.Row<?>> etas = new ArrayList<>();
        for (StatusBoard.NodeCard card : b.cards()) {
            if (card.etaAt() != null && !NOT_DRAINING.contains(card.state())) {
                etas.add(MultiGauge.Row.of(Tags.of("node", card.node()), card,
                        c -> c.etaAt() == null ? Double.NaN : c.etaSeconds(java.time.Instant.now())));
            }
        }
        synchronized (this) {
            nodeStates.register(rows, true);
            nodeEtas.register(etas, true);
        }
    }

    /** The registry, once Camel has one; registers the board gauges the first time both are known. */
    public synchronized MeterRegistry registry() {
        if (registry == null) {
            registry = lookup.get();
            if (registry != null) {
                Gauge.builder("drainpilot.build.info", () -> 1.0).description("DrainPilot's version (always 1)")
                        .tag("version", version).register(registry);
                Gauge.builder("drainpilot.leader", leading, AtomicInteger::get)
                        .description("1 while this process leads (or runs without leader election), else 0")
                        .register(registry);
                Gauge.builder("drainpilot.last.scan.timestamp", lastScanMillis, a -> a.get() / 1000.0)
                        .baseUnit("seconds").description("Unix time of the last scan that went through (0: none yet)")
                        .register(registry);
                nodeStates = MultiGauge.builder("drainpilot.node.evacuation.state")
                        .description("Per node being evacuated: 1 for its state (InProgress, Completed, Blocked, "
                                + "Cancelled), 0 for the others")
                        .register(registry);
                progress = MultiGauge.builder("drainpilot.migration.progress.ratio")
                        .description("Per running migration of DrainPilot's: the share of its data sent so far (0-1)")
                        .register(registry);
                nodeEtas = MultiGauge.builder("drainpilot.node.eta").baseUnit("seconds")
                        .description("Per node being evacuated with an estimate: time its evacuation still takes")
                        .register(registry);
            }
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
            Gauge.builder("drainpilot.upgrade.vms.moved.again", b, StatusBoard::movedAgain)
                    .description("VMs DrainPilot migrated off more than one node of the running upgrade")
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
    public void bytesMigrated(String node, long bytes) {
        safely("bytes migrated", r -> Counter.builder("drainpilot.migrated").baseUnit("bytes")
                .description("Memory of the VMs DrainPilot's migrations moved, by source node")
                .tag("node", String.valueOf(node)).register(r).increment(bytes));
    }

    @Override
    public void recoveryOutcome(String reason, String action) {
        safely("recovery outcome", r -> {
            Counter.builder("drainpilot.recovery.outcomes").description("Recovery decisions, by reason and action")
                    .tag("reason", String.valueOf(reason)).tag("action", String.valueOf(action)).register(r).increment();
        });
    }

    @Override
    public void migrationProgress(java.util.List<io.drainpilot.work.MigrationProgress> running) {
        safely("migration progress", r -> {
            List<MultiGauge.Row<?>> rows = new ArrayList<>();
            for (io.drainpilot.work.MigrationProgress p : running) {
                if (p.percent() != null) {
                    rows.add(MultiGauge.Row.of(Tags.of("namespace", p.namespace(), "vm", p.vmi()), p.percent() / 100));
                }
            }
            synchronized (this) {
                progress.register(rows, true);
            }
        });
    }

    @Override
    public void leader(boolean leads) {
        registry();
        leading.set(leads ? 1 : 0);
    }

    @Override
    public void scanCompleted(java.time.Instant at) {
        registry();
        lastScanMillis.set(at.toEpochMilli());
    }

    @Override
    public void alertDelivered(String channel, boolean ok) {
        safely("alert", r -> {
            Counter.builder("drainpilot.alerts").description("Alerts sent to a channel (log, events, webhook)")
                    .tag("channel", String.valueOf(channel)).tag("ok", String.valueOf(ok)).register(r).increment();
        });
    }
}
