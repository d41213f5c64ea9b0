package io.drainpilot.progress;

import io.drainpilot.config.Settings;
import io.drainpilot.kubevirt.KubeVirt;
import io.drainpilot.kubevirt.MigrationPhase;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.kubevirt.VirtualMachineInstanceMigration;
import io.drainpilot.observe.DrainMetrics;
import io.drainpilot.plan.Convergence;
import io.drainpilot.plan.MigrationMetricNames;
import io.drainpilot.plan.ReleaseVersion;
import io.drainpilot.plan.Triage;
import io.drainpilot.view.ClusterView;
import io.drainpilot.work.MigrationProgress;
import io.drainpilot.work.ProgressBoard;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The progress of DrainPilot's running migrations, read from Prometheus at every await round: bytes sent and left,
 * percent, and whether the guest dirties memory faster than the migration sends it ({@link Convergence}). The
 * results go to the {@link ProgressBoard} (status page, gauges, and the await stage, which cancels a migration judged
 * not converging). Off when {@code drainpilot.progress.prometheus-url} is empty. Prometheus failing never fails the
 * round: it is warned about once per outage, and the board keeps what it last knew without judging anything new.
 */
public class ProgressWatch {
    private static final Logger LOG = LoggerFactory.getLogger(ProgressWatch.class);
    private static final Duration QUERY_TIMEOUT = Duration.ofSeconds(5);

    private final ClusterView view;
    private final ProgressBoard board;
    private final DrainMetrics metrics;
    private final Clock clock;
    private final Duration window;
    private final PrometheusQuery prometheus;
    private volatile boolean outage;

    public ProgressWatch(ClusterView view, ProgressBoard board, Settings settings, DrainMetrics metrics, Clock clock) {
        this.view = view;
        this.board = board;
        this.metrics = metrics;
        this.clock = clock;
        this.window = settings.notConvergingWindow;
        this.prometheus = settings.progressPrometheusUrl.isEmpty() ? null
                : new PrometheusQuery(settings.progressPrometheusUrl, settings.progressPrometheusToken, QUERY_TIMEOUT);
    }

    public boolean enabled() {
        return prometheus != null;
    }

    /** One round: queries the metrics of every running migration of ours and updates the board. */
    public void poll() {
        if (prometheus == null) {
            return;
        }
        List<VirtualMachineInstanceMigration> running = view.migrations().stream()
                .filter(Triage::isOurs).filter(m -> m.phase() == MigrationPhase.RUNNING).toList();
        board.retainOnly(running.stream().map(m -> m.getMetadata().getNamespace() + "/" + m.vmiName()).toList());
        if (running.isEmpty()) {
            metrics.migrationProgress(board.all());
            return;
        }
        MigrationMetricNames names = MigrationMetricNames.of(view.kubeVirt().map(KubeVirt::getStatus)
                .map(s -> s.observedKubeVirtVersion).flatMap(ReleaseVersion::parse));
        String matcher = "{name=~\"" + running.stream().map(VirtualMachineInstanceMigration::vmiName).distinct()
                .map(ProgressWatch::regexLiteral).collect(Collectors.joining("|")) + "\"}";
        Map<String, Map<String, Double>> values = new HashMap<>();
        try {
            for (String metric : new String[]{names.processed(), names.remaining(), names.dirtyRate(), names.total(),
                    names.transferRate()}) {
                if (metric != null) {
                    values.put(metric, prometheus.byVmi(metric + matcher));
                }
            }
        } catch (PrometheusQuery.QueryFailed e) {
            if (!outage) {
                outage = true;
                LOG.warn("Prometheus did not answer the migration progress query ({}); progress is not shown and "
                        + "convergence not judged until it does; the drains go on", e.getMessage());
            }
            return;
        }
        if (outage) {
            outage = false;
            LOG.info("Prometheus answers the migration progress query again");
        }
        Instant now = clock.instant();
        List<MigrationProgress> all = new ArrayList<>();
        for (VirtualMachineInstanceMigration m : running) {
            String ns = m.getMetadata().getNamespace();
            String key = ns + "/" + m.vmiName();
            Double processed = value(values, names.processed(), key);
            Double remaining = value(values, names.remaining(), key);
            Double dirty = value(values, names.dirtyRate(), key);
            Double transfer = value(values, names.transferRate(), key);
            Optional<MigrationProgress> before = board.of(ns, m.vmiName())
                    .filter(p -> m.getMetadata().getName().equals(p.migration()));
            if (processed == null && remaining == null) {
                // not scraped yet (or just ended): keep what was known
                before.ifPresent(all::add);
                continue;
            }
            // an escalated attempt gets help that acts over time (throttling, post-copy at its completion deadline):
            // judging it by its first rates would cancel it before the help works; KubeVirt's timeouts still apply
            boolean escalated = view.vmi(ns, m.vmiName()).map(v -> v.label(io.drainpilot.names.Names.ESCALATION) != null)
                    .orElse(false);
            Convergence.Verdict verdict = escalated ? new Convergence.Verdict(null, false, null)
                    : Convergence.judge(before.map(MigrationProgress::behindSince).orElse(null),
                    dirty, transfer, postCopy(ns, m.vmiName()), now, window);
            String notConverging = before.map(MigrationProgress::notConverging).orElse(verdict.why());
            MigrationProgress p = new MigrationProgress(ns, m.vmiName(), m.getMetadata().getName(), processed,
                    remaining, value(values, names.total(), key), dirty, transfer,
                    Convergence.percent(processed, remaining), now, verdict.behindSince(), notConverging);
            if (notConverging != null && before.map(MigrationProgress::notConverging).isEmpty()) {
                LOG.info("{}: migration {} judged not converging: {}", key, m.getMetadata().getName(), notConverging);
            }
            board.put(p);
            all.add(p);
        }
        metrics.migrationProgress(all);
    }

    private boolean postCopy(String namespace, String vmi) {
        return view.vmi(namespace, vmi).map(VirtualMachineInstance::getStatus).map(s -> s.migrationState)
                .map(s -> "PostCopy".equals(s.mode)).orElse(false);
    }

    private static Double value(Map<String, Map<String, Double>> values, String metric, String key) {
        return metric == null ? null : values.getOrDefault(metric, Map.of()).get(key);
    }

    /** A VMI name as a regular expression that matches only itself (names hold letters, digits, '-' and '.'). */
    static String regexLiteral(String name) {
        return name.replaceAll("([^a-zA-Z0-9-])", "\\\\\\\\$1");
    }
}
