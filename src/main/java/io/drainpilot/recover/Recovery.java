package io.drainpilot.recover;

import io.drainpilot.config.Durations;
import io.drainpilot.config.Settings;
import io.drainpilot.kubevirt.ClusterApi;
import io.drainpilot.kubevirt.VirtualMachine;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.kubevirt.WriteFence;
import io.drainpilot.names.Bookkeeping;
import io.drainpilot.names.Names;
import io.drainpilot.observe.DrainMetrics;
import io.drainpilot.plan.RecoveryPolicy;
import io.drainpilot.view.ClusterView;
import io.drainpilot.work.Alert;
import io.drainpilot.work.DrainMarks;
import io.drainpilot.work.DrainRequest;
import io.drainpilot.work.EndedMigration;
import io.drainpilot.work.NodePlan;
import io.drainpilot.work.NodeStatus;
import io.drainpilot.work.Outcome;
import io.drainpilot.work.RecoveryAction;
import io.drainpilot.work.RecoveryCase;
import io.drainpilot.work.RecoveryDecision;
import io.drainpilot.work.VmWork;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The recovery stage. {@link #decide} works out what to do ({@link RecoveryPolicy}: retry on another target, else the
 * VM's fallback, or nothing when the VM no longer needs it); the route then calls the action of that branch, and
 * {@link #alert} tells it. Every decision is written to the cluster before the failed migration is deleted, so a
 * repeat (a redelivery, a new leader) decides the same and counts nothing twice.
 */
public class Recovery {
    private static final Logger LOG = LoggerFactory.getLogger(Recovery.class);

    private final ClusterView view;
    private final ClusterApi api;
    private final Settings settings;
    private final Clock clock;
    private final NodeStatus status;
    private final DrainMetrics metrics;
    /** The same API outage fails every evaluation: alert once per error and quarter of an hour, not every 5 seconds. */
    private final RepeatFilter stageErrors = new RepeatFilter(java.time.Duration.ofMinutes(15));

    public Recovery(ClusterView view, ClusterApi api, NodeStatus status, Settings settings, Clock clock,
            DrainMetrics metrics) {
        this.view = view;
        this.api = api;
        this.metrics = metrics;
        this.status = status;
        this.settings = settings;
        this.clock = clock;
    }

    /** What to do with the case; the route branches on the decision's action. */
    public RecoveryDecision decide(RecoveryCase c) {
        Optional<VirtualMachineInstance> vmi = api.vmi(c.namespace(), c.vmi()); // fresh: this decides a VM's fate
        RecoveryPolicy.Liveness live = liveness(c, vmi);
        DrainMarks marks = vmi.map(v -> DrainMarks.of(v, drainKey(c.node()))).orElse(DrainMarks.NONE);
        int attempts = Math.max(marks.attempts(), c.attempts());
        String fallback = vmi.map(this::fallbackOf).orElse(settings.defaultFallback);
        boolean vmExists = live.moot() != null || !"shutdown-restart".equals(fallback)
                || api.vm(c.namespace(), c.vmi()).isPresent();
        RecoveryPolicy.Escalation escalation = new RecoveryPolicy.Escalation(settings.escalationAutoConverge,
                settings.escalationPostCopy, vmi.map(this::allowsPostCopy).orElse(false),
                RecoveryPolicy.isConvergenceFailure(c.reason(), c.detail()),
                vmi.map(v -> escalationsTaken(v, drainKey(c.node()))).orElse(Set.of()));
        RecoveryPolicy.Result r = RecoveryPolicy.decide(new RecoveryPolicy.Facts(c.reason(), attempts,
                settings.maxAttempts, fallback, live, vmExists, escalation));
        String why = r.why() == null ? c.detail() : c.detail() + "; " + r.why();
        return new RecoveryDecision(c, r.action(), attempts, why);
    }

    /**
     * Is the case's drain still live? Read fresh from the API server (the view may lag a cancel or a move by a
     * watch event): the node, the VMI and the VMI's migrations.
     */
    private RecoveryPolicy.Liveness liveness(RecoveryCase c, Optional<VirtualMachineInstance> vmi) {
        Map<String, String> node = api.node(c.node()).map(n -> n.getMetadata().getAnnotations()).orElse(null);
        Map<String, String> ann = node == null ? Map.of() : node;
        String state = ann.get(Names.EVACUATION);
        boolean cancelled = "true".equals(ann.get(Names.CANCEL)) || Names.CANCELLED.equals(state);
        boolean draining = node != null && (Names.IN_PROGRESS.equals(state) || Names.BLOCKED.equals(state));
        boolean sameDrain = c.drainId() == null || c.drainId().equals(ann.get(Bookkeeping.DRAIN_ID));
        boolean onNode = vmi.flatMap(VirtualMachineInstance::nodeName).map(c.node()::equals).orElse(false);
        boolean other = vmi.isPresent() && onNode && api.migrationsOfVmi(c.namespace(), c.vmi()).stream()
                .anyMatch(m -> !m.phase().isFinal() && !m.getMetadata().getName().equals(c.migration()));
        return new RecoveryPolicy.Liveness(draining, cancelled, sameDrain, vmi.isPresent(), onNode, other);
    }

    /**
     * Right before a fallback acts: still live? A cancel (or a move) that arrived since {@link #decide} turns the
     * fallback into nothing.
     */
    private Optional<RecoveryDecision> mootNow(RecoveryDecision d) {
        RecoveryCase c = d.recoveryCase();
        RecoveryPolicy.Moot moot = liveness(c, api.vmi(c.namespace(), c.vmi())).moot();
        if (moot == null) {
            return Optional.empty();
        }
        LOG.info("{}: {} not applied: {}", c.vmRef(), d.action().wire(), moot.why());
        return Optional.of(nothing(new RecoveryDecision(c, RecoveryAction.NONE, d.attempts(), c.detail() + "; "
                + moot.why())));
    }

    /**
     * An escalation rung: migrate again after the backoff like a retry, this time under DrainPilot's MigrationPolicy
     * for the rung (kept by DrainPilot), which KubeVirt applies because the VMI carries the rung's label when the
     * migration is created. The label goes once that attempt ends (the await stage removes it).
     */
    public RecoveryDecision escalate(RecoveryDecision d) {
        Optional<RecoveryDecision> moot = mootNow(d);
        if (moot.isPresent()) {
            return moot.get();
        }
        RecoveryCase c = d.recoveryCase();
        String rung = d.action().wire();
        api.ensureMigrationPolicy(policyFor(d.action()));
        VirtualMachineInstance vmi = api.vmi(c.namespace(), c.vmi()).orElse(null);
        Set<String> taken = new java.util.TreeSet<>(vmi == null ? Set.of()
                : escalationsTaken(vmi, drainKey(c.node())).stream().map(RecoveryAction::wire).toList());
        taken.add(rung);
        try {
            api.labelVmi(c.namespace(), c.vmi(), Map.of(Names.ESCALATION, rung),
                    Map.of(Bookkeeping.ESCALATIONS, drainKey(c.node()) + "=" + String.join(",", taken)));
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
        }
        RecoveryDecision retried = retryLater(d);
        return new RecoveryDecision(c, d.action(), d.attempts(), retried.why() + " under MigrationPolicy "
                + policyFor(d.action()).getMetadata().getName());
    }

    /** DrainPilot's MigrationPolicy of a rung, selecting the VMIs labelled for it. */
    static io.drainpilot.kubevirt.MigrationPolicy policyFor(RecoveryAction rung) {
        io.drainpilot.kubevirt.MigrationPolicy p = new io.drainpilot.kubevirt.MigrationPolicy();
        boolean postCopy = rung == RecoveryAction.POST_COPY;
        p.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
                .withName(postCopy ? Names.POLICY_POST_COPY : Names.POLICY_AUTO_CONVERGE)
                .withLabels(Map.of(Names.MANAGED_BY, Names.MANAGED_BY_VALUE)).build());
        io.drainpilot.kubevirt.MigrationPolicy.Spec spec = new io.drainpilot.kubevirt.MigrationPolicy.Spec();
        spec.selectors = new io.drainpilot.kubevirt.MigrationPolicy.Selectors();
        spec.selectors.virtualMachineInstanceSelector = Map.of(Names.ESCALATION, rung.wire());
        spec.allowAutoConverge = true;
        if (postCopy) {
            spec.allowPostCopy = true;
            // KubeVirt switches to post-copy only once the completion time (this per GiB of memory) has passed, and
            // aborts a migration without progress for progressTimeout (150 s) before that: switch early
            spec.completionTimeoutPerGiB = POST_COPY_AFTER_SECONDS_PER_GIB;
        }
        p.setSpec(spec);
        return p;
    }

    static final long POST_COPY_AFTER_SECONDS_PER_GIB = 10;

    private boolean allowsPostCopy(VirtualMachineInstance vmi) {
        String value = vmi.label(Names.ALLOW_POST_COPY);
        if (value == null) {
            value = view.labelledVm(vmi.getMetadata().getNamespace(), vmi.getMetadata().getName())
                    .map(vm -> vm.getMetadata().getLabels()).map(l -> l.get(Names.ALLOW_POST_COPY)).orElse(null);
        }
        return "true".equals(value);
    }

    /** The rungs this drain has tried for the VMI (an earlier drain's do not count). */
    static Set<RecoveryAction> escalationsTaken(VirtualMachineInstance vmi, String drainKey) {
        String value = vmi.getMetadata().getAnnotations() == null ? null
                : vmi.getMetadata().getAnnotations().get(Bookkeeping.ESCALATIONS);
        if (value == null || !value.startsWith(drainKey + "=")) {
            return Set.of();
        }
        Set<RecoveryAction> out = new java.util.HashSet<>();
        for (String rung : value.substring(drainKey.length() + 1).split(",")) {
            for (RecoveryAction a : List.of(RecoveryAction.AUTO_CONVERGE, RecoveryAction.POST_COPY)) {
                if (a.wire().equals(rung.trim())) {
                    out.add(a);
                }
            }
        }
        return out;
    }

    /** Retry after the backoff, preferring nodes that have not failed this VM yet. */
    public RecoveryDecision retryLater(RecoveryDecision d) {
        RecoveryCase c = d.recoveryCase();
        VirtualMachineInstance vmi = api.vmi(c.namespace(), c.vmi()).orElse(null);
        Set<String> failed = new LinkedHashSet<>(vmi == null ? Set.of() : DrainMarks.of(vmi, drainKey(c.node())).failedTargets());
        if (c.failedTarget() != null) {
            failed.add(c.failedTarget());
        }
        Map<String, String> ann = new HashMap<>();
        ann.put(Bookkeeping.DRAIN, drainKey(c.node()));
        ann.put(Names.ATTEMPTS, String.valueOf(d.attempts()));
        ann.put(Bookkeeping.RETRY_AFTER, clock.instant().plus(settings.retryBackoff).truncatedTo(ChronoUnit.SECONDS).toString());
        ann.put(Bookkeeping.FAILED_TARGETS, failed.isEmpty() ? null : String.join(",", failed));
        annotateVmi(c, ann);
        finish(c);
        String next = "next attempt in " + Durations.format(settings.retryBackoff)
                + (failed.isEmpty() ? "" : ", preferring nodes other than " + String.join(", ", failed));
        return new RecoveryDecision(c, d.action(), d.attempts(), d.why() + "; " + next);
    }

    /** The legacy behaviour, now a fallback: stop the VM, remember why, start it once the node is released. */
    public RecoveryDecision shutdown(RecoveryDecision d) {
        Optional<RecoveryDecision> moot = mootNow(d);
        if (moot.isPresent()) {
            return moot.get();
        }
        RecoveryCase c = d.recoveryCase();
        Optional<VirtualMachine> vm = api.vm(c.namespace(), c.vmi());
        if (vm.isEmpty()) {
            LOG.warn("{}: fallback shutdown-restart impossible: no VirtualMachine owns this VMI; blocking instead", c.vmRef());
            return block(new RecoveryDecision(c, RecoveryAction.BLOCK, d.attempts(), d.why() + "; no VirtualMachine to stop and restart"));
        }
        Map<String, String> ann = vm.get().getMetadata().getAnnotations() == null ? Map.of() : vm.get().getMetadata().getAnnotations();
        String strategy = vm.get().runStrategy() == null ? VirtualMachine.ALWAYS : vm.get().runStrategy();
        String why = d.why();
        if (c.node().equals(ann.get(Bookkeeping.STOPPED_FOR_NODE))) {
            why += "; already stopped for this drain"; // a repeat: the stop went through before
        } else if (VirtualMachine.HALTED.equals(strategy)) {
            why += "; the VM was already stopped";
        } else {
            Map<String, String> mark = new HashMap<>();
            mark.put(Bookkeeping.STOPPED_FOR_NODE, c.node());
            mark.put(Bookkeeping.STOPPED_RUN_STRATEGY, strategy);
            // one write: the VM is never stopped without the record that makes DrainPilot start it again
            api.updateVm(c.namespace(), c.vmi(), VirtualMachine.HALTED, Map.of(Bookkeeping.STOPPED, "true"), mark);
        }
        try {
            settle(c, "shutdown-restart");
            status.record(c.node(), c.vmRef(), Outcome.SHUTDOWN_RESTART);
            finish(c);
        } catch (KubernetesClientException e) {
            // the VM is stopped: that is told whatever happens to the bookkeeping after it (the VM carries the
            // record, and the node's next evaluation counts it from there)
            LOG.warn("{}: stopped, but recording it failed: {}", c.vmRef(), brief(e));
        }
        return new RecoveryDecision(c, d.action(), d.attempts(), why);
    }

    /** Hold the drain: the node says Blocked (never over Cancelled) and a person decides. */
    public RecoveryDecision block(RecoveryDecision d) {
        Optional<RecoveryDecision> moot = mootNow(d);
        if (moot.isPresent()) {
            return moot.get();
        }
        RecoveryCase c = d.recoveryCase();
        settle(c, "block");
        status.record(c.node(), c.vmRef(), Outcome.BLOCK);
        status.update(c.node(), Names.BLOCKED, s -> s);
        finish(c);
        return d;
    }

    /** Let the drain go on anyway: KubeVirt's own eviction handling takes the VM. */
    public RecoveryDecision release(RecoveryDecision d) {
        Optional<RecoveryDecision> moot = mootNow(d);
        if (moot.isPresent()) {
            return moot.get();
        }
        RecoveryCase c = d.recoveryCase();
        settle(c, "release");
        status.record(c.node(), c.vmRef(), Outcome.RELEASE);
        finish(c);
        return d;
    }

    /** Nothing to do for the VM any more; the failed migration is still cleared away. */
    public RecoveryDecision nothing(RecoveryDecision d) {
        finish(d.recoveryCase());
        return d;
    }

    /** Every decision, told: the alert for the alerts route. */
    public Alert alert(RecoveryDecision d) {
        RecoveryCase c = d.recoveryCase();
        metrics.recoveryOutcome(c.reason().name(), d.action().wire());
        String severity = switch (d.action()) {
            case BLOCK -> Alert.CRITICAL;
            case NONE -> Alert.INFO;
            default -> Alert.WARNING;
        };
        return Alert.of(severity, c.node(), c.namespace(), c.vmi(), c.reason().name(), d.why(), d.attempts(),
                d.action().wire());
    }

    /**
     * The dead-letter channel's end: a stage failed for an unexpected reason (an API outage, a bug). Said once per
     * error and quarter of an hour; the next evaluation tries again. A replica that lost leadership says nothing.
     */
    public Alert stageError(Exchange exchange) {
        Throwable cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof WriteFence.NotLeaderException) {
                LOG.info("{}", t.getMessage());
                return null;
            }
        }
        String what = cause == null ? "unknown failure" : brief(cause);
        if (!stageErrors.firstTimeRecently(what, clock.instant())) {
            LOG.debug("stage failed again: {}", what);
            return null;
        }
        LOG.warn("A stage failed ({}); the next evaluation tries again", what);
        return Alert.of(Alert.WARNING, nodeOf(exchange.getMessage().getBody()), null, null, "StageError", what, 0,
                "retry-next-scan");
    }

    private void settle(RecoveryCase c, String policy) {
        annotateVmi(c, Map.of(Bookkeeping.SETTLED, policy, Bookkeeping.DRAIN, drainKey(c.node())));
    }

    /** A VMI that is gone needs no mark. */
    private void annotateVmi(RecoveryCase c, Map<String, String> ann) {
        try {
            api.annotateVmi(c.namespace(), c.vmi(), ann);
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
        }
    }

    /** The failed migration is deleted last: until then a repeat finds it and decides again. */
    private void finish(RecoveryCase c) {
        if (c.migration() != null) {
            api.deleteMigration(c.namespace(), c.migration());
        }
    }

    private String drainKey(String node) {
        String id = view.node(node).map(n -> n.getMetadata().getAnnotations()).map(a -> a.get(Bookkeeping.DRAIN_ID))
                .orElse("none");
        return DrainMarks.drainKey(node, id);
    }

    private String fallbackOf(VirtualMachineInstance vmi) {
        String value = vmi.label(Names.FALLBACK);
        if (value == null) {
            value = view.labelledVm(vmi.getMetadata().getNamespace(), vmi.getMetadata().getName())
                    .map(vm -> vm.getMetadata().getLabels()).map(l -> l.get(Names.FALLBACK)).orElse(null);
        }
        return value != null && Settings.FALLBACKS.contains(value) ? value : settings.defaultFallback;
    }

    private static String nodeOf(Object body) {
        if (body instanceof VmWork w) {
            return w.node();
        }
        if (body instanceof EndedMigration t) {
            return t.sourceNode();
        }
        if (body instanceof DrainRequest r) {
            return r.nodeName();
        }
        if (body instanceof NodePlan p) {
            return p.node();
        }
        if (body instanceof RecoveryDecision d) {
            return d.recoveryCase().node();
        }
        if (body instanceof RecoveryCase c) {
            return c.node();
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
}
