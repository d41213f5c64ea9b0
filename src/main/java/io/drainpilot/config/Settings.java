package io.drainpilot.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;

/**
 * Every {@code drainpilot.*} setting, typed and checked once at startup. Values come from
 * config/application.properties with environment variables taking precedence (Camel's rule:
 * {@code drainpilot.poll.period} is overridden by {@code DRAINPILOT_POLL_PERIOD}).
 * An invalid value stops startup with one message naming the key, the value and what is allowed.
 */
public final class Settings {

    public static final Set<String> VM_ORDERS = Set.of("smallest-memory-first", "largest-memory-first", "name");
    public static final Set<String> STEERING = Set.of("auto", "on", "off");
    public static final Set<String> FALLBACKS = Set.of("shutdown-restart", "block", "release");
    public static final Set<String> WEBHOOK_FORMATS = Set.of("plain", "alertmanager");
    public static final Set<String> CONDUCTOR = Set.of("auto", "on", "off");

    // polling
    public final Duration scanPeriod;
    public final Duration awaitPeriod;
    // drain signals
    public final boolean signalAnnotation;
    public final String signalAnnotationKey;
    /** For the annotation signal: cordon the node while it drains, uncordon it (if DrainPilot cordoned it) after. */
    public final boolean signalAnnotationCordon;
    public final boolean signalRancherHook;
    public final String rancherHookAnnotation;
    public final String rancherPlanNamespace;
    public final boolean signalHarvesterMaintenance;
    public final boolean signalDrainTaint;
    public final String drainTaintKey;
    public final boolean signalCordon;
    // which VMs and in what order
    /** {@code drainpilot.vm.selector}, parsed: only VMIs it matches are moved. */
    public final LabelSelector vmSelector;
    public final String vmOrder;
    public final boolean respectEvictionStrategyNone;
    public final boolean dryRun;
    // migrations
    public final String targetSteering;
    public final int maxOutboundPerNode;
    public final int maxInboundPerNode;
    public final int maxInCluster;
    public final Duration unschedulableTimeout;
    public final Duration pendingTimeout;
    public final Duration deadlineBeforeRunning;
    public final Duration deadlineRunningBase;
    public final Duration deadlineRunningPerGiB;
    // recovery
    public final int maxAttempts;
    public final Duration retryBackoff;
    public final Duration restartTimeout;
    public final String defaultFallback;
    /** Escalation rungs for migrations that do not converge, after the retries. */
    public final boolean escalationAutoConverge;
    public final boolean escalationPostCopy;
    // alerts
    /** Drain reports kept (ConfigMaps in DrainPilot's namespace); 0: none written. */
    public final int reportRetain;

    public final String webhookUrl;
    public final String webhookFormat;
    public final Duration webhookTimeout;
    public final int webhookRetries;
    /** Alertmanager format: how often alerts that still hold are sent again (and those over are sent resolved). */
    public final Duration webhookRepeatInterval;
    /** Alertmanager format: each alert's generatorURL (empty: this process's status page). */
    public final String webhookGeneratorUrl;
    /** text or json: the log line format (read before logging starts, by the entry point; checked here). */
    public final String logFormat;
    public final boolean events;
    // leader election (several replicas, one active)
    public final boolean leaderEnabled;
    public final String leaderGroup;
    public final String leaderNamespace;
    public final String leaderPodName;
    public final String leaderPodLabels;
    public final Duration leaseDuration;
    public final Duration renewDeadline;
    public final Duration leaderRetryPeriod;
    // health
    public final Duration healthApiTimeout;
    // Harvester upgrades
    public final String harvesterConductor;

    /** Prometheus HTTP API base URL for migration progress; empty: off. */
    public final String progressPrometheusUrl;
    /** Bearer token for it (from a Secret through the env var); empty: none. Never logged. */
    public final String progressPrometheusToken;
    public final Duration notConvergingWindow;

    /** Every key this class reads; the others in the drainpilot.* space are Camel route placeholders. */
    public static final Set<String> KNOWN_KEYS;

    static {
        Set<String> keys = new java.util.TreeSet<>();
        new Settings(key -> {
            keys.add(key);
            return null;
        });
        // read by the YAML routes directly (placeholders), validated by their type there
        keys.addAll(Set.of("drainpilot.poll.initial-delay", "drainpilot.api.retry.max-redeliveries",
                "drainpilot.api.retry.delay", "drainpilot.api.retry.max-delay", "drainpilot.leader.endpoint-prefix"));
        KNOWN_KEYS = java.util.Collections.unmodifiableSet(keys);
    }

    private final List<String> problems = new ArrayList<>();
    private final Function<String, String> source;

    private Settings(Function<String, String> source) {
        this.source = source;
        scanPeriod = duration("drainpilot.poll.period", "5s", Duration.ofMillis(100), Duration.ofHours(1));
        awaitPeriod = duration("drainpilot.await.period", "2s", Duration.ofMillis(100), Duration.ofHours(1));

        signalAnnotation = bool("drainpilot.signal.annotation.enabled", "true");
        signalAnnotationKey = text("drainpilot.signal.annotation.key", "drainpilot.io/drain-requested", false);
        signalAnnotationCordon = bool("drainpilot.signal.annotation.cordon", "true");
        signalRancherHook = bool("drainpilot.signal.rancher-hook.enabled", "true");
        rancherHookAnnotation = text("drainpilot.signal.rancher-hook.annotation", "drainpilot.io/pre-hook", false);
        rancherPlanNamespace = text("drainpilot.signal.rancher-hook.namespace", "fleet-local", false);
        signalHarvesterMaintenance = bool("drainpilot.signal.harvester-maintenance.enabled", "false");
        signalDrainTaint = bool("drainpilot.signal.drain-taint.enabled", "false");
        drainTaintKey = text("drainpilot.signal.drain-taint.key", "kubevirt.io/drain", false);
        signalCordon = bool("drainpilot.signal.cordon.enabled", "false");

        vmSelector = selector("drainpilot.vm.selector");
        vmOrder = oneOf("drainpilot.vm.order", "smallest-memory-first", VM_ORDERS);
        respectEvictionStrategyNone = bool("drainpilot.plan.respect-eviction-strategy-none", "true");
        dryRun = bool("drainpilot.dry-run", "false");

        targetSteering = oneOf("drainpilot.migration.target-steering", "auto", STEERING);
        maxOutboundPerNode = integer("drainpilot.migration.max-outbound-per-node", "2", 1, 100);
        maxInboundPerNode = integer("drainpilot.migration.max-inbound-per-node", "2", 1, 100);
        maxInCluster = integer("drainpilot.migration.max-in-cluster", "5", 1, 1000);
        unschedulableTimeout = duration("drainpilot.migration.unschedulable-timeout", "300s", Duration.ofSeconds(1), Duration.ofDays(1));
        pendingTimeout = duration("drainpilot.migration.pending-timeout", "900s", Duration.ofSeconds(1), Duration.ofDays(1));
        deadlineBeforeRunning = duration("drainpilot.migration.deadline.before-running", "10m", Duration.ofMillis(100), Duration.ofDays(1));
        deadlineRunningBase = duration("drainpilot.migration.deadline.running-base", "5m", Duration.ofMillis(100), Duration.ofDays(1));
        deadlineRunningPerGiB = duration("drainpilot.migration.deadline.running-per-gib", "150s", Duration.ZERO, Duration.ofDays(1));

        maxAttempts = integer("drainpilot.recovery.max-attempts", "3", 1, 100);
        retryBackoff = duration("drainpilot.recovery.backoff", "30s", Duration.ZERO, Duration.ofDays(1));
        defaultFallback = oneOf("drainpilot.recovery.default-fallback", "block", FALLBACKS);
        escalationAutoConverge = bool("drainpilot.recovery.escalation.auto-converge", "true");
        escalationPostCopy = bool("drainpilot.recovery.escalation.post-copy", "true");
        restartTimeout = duration("drainpilot.restart.timeout", "5m", Duration.ofSeconds(1), Duration.ofDays(1));

        reportRetain = integer("drainpilot.report.retain", "20", 0, 1000);

        webhookUrl = url("drainpilot.alert.webhook.url");
        webhookFormat = oneOf("drainpilot.alert.webhook.format", "plain", WEBHOOK_FORMATS);
        webhookTimeout = duration("drainpilot.alert.webhook.timeout", "5s", Duration.ofMillis(100), Duration.ofMinutes(5));
        webhookRetries = integer("drainpilot.alert.webhook.retries", "2", 0, 20);
        webhookRepeatInterval = duration("drainpilot.alert.webhook.repeat-interval", "1m", Duration.ofSeconds(1), Duration.ofHours(1));
        webhookGeneratorUrl = text("drainpilot.alert.webhook.generator-url", "", true);
        logFormat = oneOf("drainpilot.log.format", "text", Set.of("text", "json"));
        events = bool("drainpilot.alert.events.enabled", "true");

        leaderEnabled = bool("drainpilot.leader.enabled", "false");
        leaderGroup = text("drainpilot.leader.group", "drainpilot", false);
        leaderNamespace = text("drainpilot.leader.namespace", "drainpilot", false);
        leaderPodName = text("drainpilot.leader.pod-name", "", true);
        leaderPodLabels = text("drainpilot.leader.pod-labels", "app.kubernetes.io/name=drainpilot", false);
        leaseDuration = duration("drainpilot.leader.lease-duration", "15s", Duration.ofSeconds(1), Duration.ofMinutes(10));
        renewDeadline = duration("drainpilot.leader.renew-deadline", "10s", Duration.ofMillis(500), Duration.ofMinutes(10));
        leaderRetryPeriod = duration("drainpilot.leader.retry-period", "2s", Duration.ofMillis(100), Duration.ofMinutes(1));
        if (leaderEnabled && renewDeadline.compareTo(leaseDuration) >= 0) {
            problem("drainpilot.leader.renew-deadline", Durations.format(renewDeadline),
                    "must be shorter than drainpilot.leader.lease-duration (" + Durations.format(leaseDuration) + ")");
        }
        if (leaderEnabled && leaderPodName.isEmpty()) {
            problem("drainpilot.leader.pod-name", "", "must name this pod when leader election is on"
                    + " (the Deployment sets it from the downward API: POD_NAME)");
        }
        healthApiTimeout = duration("drainpilot.health.api-timeout", "3s", Duration.ofMillis(100), Duration.ofMinutes(1));
        harvesterConductor = oneOf("drainpilot.harvester.conductor", "auto", CONDUCTOR);

        progressPrometheusUrl = url("drainpilot.progress.prometheus-url");
        progressPrometheusToken = text("drainpilot.progress.prometheus-token", "", true);
        notConvergingWindow = duration("drainpilot.progress.not-converging-window", "60s", Duration.ofMillis(100),
                Duration.ofHours(1));
    }

    /** Reads and checks every key; throws {@link InvalidSettingException} listing every problem found. */
    public static Settings load(Function<String, String> source) {
        Settings s = new Settings(source);
        if (!s.problems.isEmpty()) {
            throw new InvalidSettingException(String.join("\n", s.problems));
        }
        return s;
    }

    /** Defaults only: for tests and tools that need no configuration file. */
    public static Settings defaults() {
        return load(key -> null);
    }

    private String raw(String key, String fallback) {
        String v = source.apply(key);
        return v == null ? fallback : v.trim();
    }

    private void problem(String key, String value, String allowed) {
        problems.add("Invalid setting " + key + "=\"" + value + "\": " + allowed
                + " (set in config/application.properties or env " + envName(key) + ")");
    }

    public static String envName(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    private String text(String key, String fallback, boolean blankAllowed) {
        String v = raw(key, fallback);
        if (!blankAllowed && v.isEmpty()) {
            problem(key, v, "must not be empty");
            return fallback;
        }
        return v;
    }

    private LabelSelector selector(String key) {
        String v = raw(key, "");
        try {
            return LabelSelector.parse(v);
        } catch (LabelSelector.ParseException e) {
            problem(key, v, "not a Kubernetes label selector: " + e.getMessage()
                    + " (allowed: requirements joined by commas: key=value, key!=value, key in (a,b), key notin (a,b),"
                    + " key, !key; empty selects every VM)");
            return LabelSelector.EVERYTHING;
        }
    }

    private boolean bool(String key, String fallback) {
        String v = raw(key, fallback).toLowerCase(Locale.ROOT);
        if (!v.equals("true") && !v.equals("false")) {
            problem(key, v, "allowed: true, false");
            return Boolean.parseBoolean(fallback);
        }
        return Boolean.parseBoolean(v);
    }

    private int integer(String key, String fallback, int min, int max) {
        String v = raw(key, fallback);
        try {
            int i = Integer.parseInt(v);
            if (i < min || i > max) {
                problem(key, v, "allowed: a whole number from " + min + " to " + max);
                return Integer.parseInt(fallback);
            }
            return i;
        } catch (NumberFormatException e) {
            problem(key, v, "allowed: a whole number from " + min + " to " + max);
            return Integer.parseInt(fallback);
        }
    }

    private String oneOf(String key, String fallback, Set<String> allowed) {
        String v = raw(key, fallback);
        if (!allowed.contains(v)) {
            problem(key, v, "allowed: " + String.join(", ", allowed.stream().sorted().toList()));
            return fallback;
        }
        return v;
    }

    private String url(String key) {
        String v = raw(key, "");
        if (!v.isEmpty() && !(v.startsWith("http://") || v.startsWith("https://"))) {
            // the value may hold a token: the message does not quote it
            problem(key, "(not shown)", "allowed: empty (no webhook) or an http:// or https:// URL");
            return "";
        }
        return v;
    }

    private Duration duration(String key, String fallback, Duration min, Duration max) {
        String v = raw(key, fallback);
        Duration d = Durations.parse(v);
        if (d == null || d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            problem(key, v, "allowed: a duration from " + Durations.format(min) + " to " + Durations.format(max)
                    + " such as 500ms, 30s, 5m, 1h (a plain number means milliseconds)");
            return Durations.parse(fallback);
        }
        return d;
    }
}
