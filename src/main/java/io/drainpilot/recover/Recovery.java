package io.drainpilot.recover;

import io.drainpilot.names.Bookkeeping;
import io.drainpilot.names.Names;
import io.drainpilot.alert.Alert;
import io.drainpilot.config.Settings;
import io.drainpilot.drain.EvacuationSummary;
import io.drainpilot.drain.NodeStatus;
import io.drainpilot.drain.VmWork;
import io.drainpilot.kubevirt.ClusterApi;
import io.drainpilot.kubevirt.VirtualMachine;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.migrate.MigrationTracker;
import io.drainpilot.observe.DrainMetrics;
import io.drainpilot.migrate.TrackedMigration;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The recovery stage, behind the dead-letter channel: a failed migration is retried (bounded, with backoff, on a
 * different target); a VM that cannot move, or ran out of attempts, gets its fallback policy. Every outcome is
 * an {@link Alert}. All decisions are written to the cluster, so a new process picks up where this one stopped.
 */
public class Recovery {
    private static final Logger LOG = LoggerFactory.getLogger(Recovery.class);

    private final ClusterApi api;
    private final Settings settings;
    private final Clock clock;

    private final NodeStatus status;

    private final DrainMetrics metrics;
    /** The same API outage fails every scan: alert once per error and quarter of an hour, not every 5 seconds. */
    private final RepeatFilter stageErrors = new RepeatFilter(java.time.Duration.ofMinutes(15));

    public Recovery(ClusterApi api, Settings settings, Clock clock, DrainMetrics metrics) {
        this.api = api;
        this.metrics = metrics;
        this.status = new NodeStatus(api);
        this.settings = settings;
        this.clock = clock;
    }

    /** Entry point of the recovery route: works out the case from the exchange and returns the alert to send. */
    public Alert handle(Exchange exchange) {
        Throwable cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        Object body = exchange.getMessage().getBody();
        RecoveryCase c = caseOf(cause, body);
        if (c == null) {
            String what = cause == null ? "unknown failure" : brief(cause);
            if (!stageErrors.firstTimeRecently(what, clock.instant())) {
                LOG.debug("stage failed again: {}", what);
                return null; // said already; the next scan tries again
            }
            LOG.warn("A stage failed outside any migration ({}); the next scan tries again", what);
            return Alert.of(Alert.WARNING, nodeOf(body), null, null, "StageError", what, 0, "retry-next-scan");
        }
        return recover(c);
    }

    public Alert recover(RecoveryCase c) {
        Alert alert = decide(c);
        metrics.recoveryOutcome(c.reason().name(), alert.action());
        if (c.migration() != null) {
            MigrationTracker.markRecorded(api, c.namespace(), c.migration(), c.reason().name());
        }
        return alert;
    }

    private Alert decide(RecoveryCase c) {
        Optional<VirtualMachineInstance> vmi = api.vmi(c.namespace(), c.vmi());
        if (vmi.isEmpty()) {
            Optional<VirtualMachine> vm = api.vm(c.namespace(), c.vmi());
            boolean stoppedByUs = vm.map(v -> v.getMetadata().getAnnotations()).map(a -> a.get(Bookkeeping.STOPPED_FOR_NODE))
                    .map(c.node()::equals).orElse(false);
            if (stoppedByUs) {
                // a retry of a shutdown-restart whose alert was lost: say it now
                return Alert.of(Alert.WARNING, c.node(), c.namespace(), c.vmi(), c.reason().name(), c.detail(), 0,
                        "shutdown-restart");
            }
            return Alert.of(Alert.INFO, c.node(), c.namespace(), c.vmi(), c.reason().name(), "the VMI no longer exists", 0, "none");
        }
        int attempts = parse(vmi.get().annotation(Names.ATTEMPTS));
        if (c.reason().retryable() && attempts < settings.maxAttempts) {
            return retryLater(c, vmi.get(), attempts);
        }
        String policy = fallbackOf(vmi.get(), c);
        String why = c.reason().retryable() ? c.detail() + "; gave up after " + attempts + " attempt(s)" : c.detail();
        return switch (policy) {
            case "shutdown-restart" -> shutdown(c, vmi.get(), attempts, why);
            case "release" -> {
                Alert a = settle(c, "release", Alert.WARNING, attempts, why);
                bumpFellBack(c.node());
                yield a;
            }
            default -> block(c, attempts, why);
        };
    }

    private Alert retryLater(RecoveryCase c, VirtualMachineInstance vmi, int attempts) {
        Set<String> failed = new LinkedHashSet<>();
        String before = vmi.annotation(Bookkeeping.FAILED_TARGETS);
        if (before != null && !before.isBlank()) {
            failed.addAll(java.util.List.of(before.split(",")));
        }
        if (c.failedTarget() != null) {
            failed.add(c.failedTarget());
        }
        Map<String, String> ann = new HashMap<>();
        ann.put(Bookkeeping.RETRY_AFTER, clock.instant().plus(settings.retryBackoff).truncatedTo(ChronoUnit.SECONDS).toString());
        ann.put(Bookkeeping.FAILED_TARGETS, failed.isEmpty() ? null : String.join(",", failed));
        api.annotateVmi(c.namespace(), c.vmi(), ann);
        return Alert.of(Alert.WARNING, c.node(), c.namespace(), c.vmi(), c.reason().name(), c.detail() + "; next attempt in "
                + io.drainpilot.config.Durations.format(settings.retryBackoff)
                + (failed.isEmpty() ? "" : ", preferring nodes other than " + String.join(", ", failed)), attempts, "retry");
    }

    private Alert block(RecoveryCase c, int attempts, String why) {
        Alert alert = settle(c, "block", Alert.CRITICAL, attempts, why);
        status.update(c.node(), Names.BLOCKED, s -> s);
        return alert;
    }

    private Alert settle(RecoveryCase c, String policy, String severity, int attempts, String why) {
        api.annotateVmi(c.namespace(), c.vmi(), Map.of(Bookkeeping.SETTLED, policy));
        return Alert.of(severity, c.node(), c.namespace(), c.vmi(), c.reason().name(), why, attempts, policy);
    }

    /** The legacy behaviour, now a fallback: stop the VM, remember why, start it once the node is released. */
    private Alert shutdown(RecoveryCase c, VirtualMachineInstance vmi, int attempts, String why) {
        Optional<VirtualMachine> vm = api.vm(c.namespace(), c.vmi());
        if (vm.isEmpty()) {
            LOG.warn("{}: fallback shutdown-restart impossible: no VirtualMachine owns this VMI; blocking instead", c.vmRef());
            return block(c, attempts, why + "; no VirtualMachine to stop and restart");
        }
        String strategy = vm.get().runStrategy() == null ? VirtualMachine.ALWAYS : vm.get().runStrategy();
        if (VirtualMachine.HALTED.equals(strategy)) {
            return settle(c, "shutdown-restart", Alert.WARNING, attempts, why + "; the VM was already stopped");
        }
        Map<String, String> ann = new HashMap<>();
        ann.put(Bookkeeping.STOPPED_FOR_NODE, c.node());
        ann.put(Bookkeeping.STOPPED_RUN_STRATEGY, strategy);
        // record first: a crash between the two writes must never leave a VM stopped that nobody will restart
        api.updateVm(c.namespace(), c.vmi(), null, Map.of(Bookkeeping.STOPPED, "true"), ann);
        api.updateVm(c.namespace(), c.vmi(), VirtualMachine.HALTED, Map.of(), Map.of());
        try {
            api.annotateVmi(c.namespace(), c.vmi(), Map.of(Bookkeeping.SETTLED, "shutdown-restart"));
            bumpFellBack(c.node());
        } catch (RuntimeException e) {
            // the VM is stopped: that must be told even if the bookkeeping after it failed (the VM carries the record)
            LOG.warn("{}: stopped, but recording it on the VMI or node failed: {}", c.vmRef(), brief(e));
        }
        return Alert.of(Alert.WARNING, c.node(), c.namespace(), c.vmi(), c.reason().name(), why, attempts,
                "shutdown-restart");
    }

    private void bumpFellBack(String node) {
        status.update(node, null, EvacuationSummary::plusFellBack);
    }

    private String fallbackOf(VirtualMachineInstance vmi, RecoveryCase c) {
        String value = vmi.label(Names.FALLBACK);
        if (value == null) {
            value = api.vm(c.namespace(), c.vmi()).map(vm -> vm.getMetadata().getLabels())
                    .map(l -> l.get(Names.FALLBACK)).orElse(null);
        }
        return value != null && Settings.FALLBACKS.contains(value) ? value : settings.defaultFallback;
    }

    static RecoveryCase caseOf(Throwable cause, Object body) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof MigrationProblem p) {
                return p.recoveryCase();
            }
        }
        if (body instanceof RecoveryCase rc) {
            return rc;
        }
        if (body instanceof VmWork w && w.decision() != null
                && !(w.decision() instanceof io.drainpilot.plan.Decision.Migrate)) {
            return w.recoveryCase();
        }
        if (body instanceof TrackedMigration t && cause instanceof MigrationProblem) {
            return t.recoveryCase();
        }
        return null;
    }

    private static String nodeOf(Object body) {
        if (body instanceof VmWork w) {
            return w.node();
        }
        if (body instanceof TrackedMigration t) {
            return t.sourceNode();
        }
        if (body instanceof io.drainpilot.drain.DrainRequest r) {
            return r.nodeName();
        }
        return null;
    }

    /** The exception in one short line: its type and the start of its message, never a whole object dump. */
    static String brief(Throwable t) {
        String msg = t.getMessage() == null ? "" : t.getMessage().lines().findFirst().orElse("");
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root != t && root.getMessage() != null) {
            msg = msg + " (" + root.getClass().getSimpleName() + ": " + root.getMessage().lines().findFirst().orElse("") + ")";
        }
        if (msg.length() > 400) {
            msg = msg.substring(0, 400) + "...";
        }
        return t.getClass().getSimpleName() + (msg.isEmpty() ? "" : ": " + msg);
    }

    private static int parse(String v) {
        try {
            return v == null ? 0 : Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
