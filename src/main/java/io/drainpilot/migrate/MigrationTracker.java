package io.drainpilot.migrate;

import io.drainpilot.config.Settings;
import io.drainpilot.kubevirt.ClusterApi;
import io.drainpilot.kubevirt.KubeVirtNames;
import io.drainpilot.kubevirt.MigrationPhase;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.kubevirt.VirtualMachineInstanceMigration;
import io.drainpilot.kubevirt.WriteFence;
import io.drainpilot.names.Bookkeeping;
import io.drainpilot.names.Names;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.drainpilot.observe.DrainMetrics;
import io.drainpilot.plan.InFlightMigrations;
import io.drainpilot.plan.MigrationDeadline;
import io.drainpilot.plan.TargetSteering;
import io.drainpilot.plan.Triage;
import io.drainpilot.plan.VmiMemory;
import io.drainpilot.view.ClusterView;
import io.drainpilot.work.DrainRequest;
import io.drainpilot.work.EndedMigration;
import io.drainpilot.work.NodeStatus;
import io.drainpilot.work.Outcome;
import io.drainpilot.work.TransferRates;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The await stage: follows the migrations of a draining node. Ours that ended (or passed their deadline: then
 * cancelled) are handed back once to be settled; someone else's that moved a VM off the node are counted. Everything
 * is read from the cluster view; a migration of ours is deleted once settled, so finished ones never pile up.
 */
public class MigrationTracker {
    private static final Logger LOG = LoggerFactory.getLogger(MigrationTracker.class);
    /** How long a migration's Succeeded may disagree with where the VMI watch still shows the VMI. */
    static final Duration AGREE = Duration.ofSeconds(5);

    private final ClusterView view;
    private final ClusterApi api;
    private final Settings settings;
    private final Clock clock;
    private final NodeStatus status;
    private final DrainMetrics metrics;
    private final io.drainpilot.work.ProgressBoard progress;
    private final Map<String, MigrationPhase> lastPhase = new ConcurrentHashMap<>();
    /** Migrations the last pass could not handle, with the error said (said again only when it changes). */
    private final Map<String, String> troubled = new ConcurrentHashMap<>();

    private final TransferRates rates;

    public MigrationTracker(ClusterView view, ClusterApi api, NodeStatus status, Settings settings, Clock clock,
            DrainMetrics metrics) {
        this(view, api, status, settings, clock, metrics, new io.drainpilot.work.ProgressBoard(), new TransferRates());
    }

    /** @param progress where the progress watch leaves its not-converging verdicts */
    public MigrationTracker(ClusterView view, ClusterApi api, NodeStatus status, Settings settings, Clock clock,
            DrainMetrics metrics, io.drainpilot.work.ProgressBoard progress) {
        this(view, api, status, settings, clock, metrics, progress, new TransferRates());
    }

    /**
     * @param progress where the progress watch leaves its not-converging verdicts
     * @param rates    fed with every migration seen to succeed: the estimates of the evacuate stage read them
     */
    public MigrationTracker(ClusterView view, ClusterApi api, NodeStatus status, Settings settings, Clock clock,
            DrainMetrics metrics, io.drainpilot.work.ProgressBoard progress, TransferRates rates) {
        this.progress = progress;
        this.rates = rates;
        this.view = view;
        this.api = api;
        this.metrics = metrics;
        this.status = status;
        this.settings = settings;
        this.clock = clock;
    }

    /**
     * Nodes with a migration of ours: their deadlines are checked at every await tick. A migration of ours that has
     * ended on a node with no drain open any more (the drain was withdrawn before its release counted them) is
     * cleared here instead, so nothing brings the timer back to that node.
     */
    public Set<String> nodesWithOurMigrations() {
        Set<String> out = new TreeSet<>();
        for (VirtualMachineInstanceMigration m : view.migrations()) {
            if (!Triage.isOurs(m)) {
                continue;
            }
            String node = ClusterView.sourceNode(m);
            if (node == null) {
                continue;
            }
            // startDrain writes the node's state before any migration of the drain exists: no state, no open drain
            boolean drainOver = view.node(node).map(n -> n.getMetadata().getAnnotations() == null
                    || n.getMetadata().getAnnotations().get(Names.EVACUATION) == null).orElse(false);
            if (drainOver && m.phase().isFinal() && !settings.dryRun) {
                try {
                    api.deleteMigration(m.getMetadata().getNamespace(), m.getMetadata().getName());
                    LOG.info("Node {}: migration {}/{} of a drain that is over cleared", node,
                            m.getMetadata().getNamespace(), m.getMetadata().getName());
                    continue;
                } catch (KubernetesClientException e) {
                    LOG.debug("Node {}: clearing migration {} failed, next tick: {}", node, m.getMetadata().getName(),
                            e.getMessage());
                }
            }
            out.add(node);
        }
        return out;
    }

    /**
     * The node's migrations that need settling now: ours of the current drain that ended, or that are past their
     * deadline (cancelled here), and someone else's that moved a VM off the node during this drain.
     */
    public List<EndedMigration> ended(DrainRequest request) {
        String node = request.nodeName();
        Map<String, String> ann = request.node().getMetadata().getAnnotations() == null ? Map.of()
                : request.node().getMetadata().getAnnotations();
        String drainId = ann.get(Bookkeeping.DRAIN_ID);
        if (settings.dryRun || request.cancel() || drainId == null || ann.get(Names.EVACUATION) == null) {
            return List.of();
        }
        Map<String, Outcome> outcomes = new java.util.HashMap<>(NodeStatus.outcomesOf(ann));
        outcomes.putAll(status.noted(node));
        Instant drainStart = startOf(ann);
        List<EndedMigration> ended = new ArrayList<>();
        for (VirtualMachineInstanceMigration m : view.migrationsFrom(node)) {
            String key = m.getMetadata().getNamespace() + "/" + m.getMetadata().getName();
            try {
                endedOne(m, key, node, drainId, outcomes, drainStart, ended);
                troubled.remove(key);
            } catch (WriteFence.NotLeaderException e) {
                throw e; // this replica must stop writing: the whole evaluation ends
            } catch (RuntimeException e) {
                // one migration that cannot be handled now (an API error that does not pass) never holds up the
                // others: they are settled in this pass, and this one is tried again at the next evaluation
                String what = e.toString();
                if (!what.equals(troubled.put(key, what))) {
                    LOG.warn("Node {}: migration {} not handled in this pass, tried again at the next: {}", node, key, what);
                } else {
                    LOG.debug("Node {}: migration {} still not handled: {}", node, key, what);
                }
            }
        }
        if (!troubled.isEmpty()) {
            troubled.keySet().retainAll(view.migrations().stream()
                    .map(m -> m.getMetadata().getNamespace() + "/" + m.getMetadata().getName()).toList());
        }
        return ended;
    }

    private void endedOne(VirtualMachineInstanceMigration m, String key, String node, String drainId,
            Map<String, Outcome> outcomes, Instant drainStart, List<EndedMigration> ended) {
        MigrationPhase phase = m.phase();
        if (Triage.isOurs(m)) {
            logPhase(node, m, key, phase);
            if (phase == MigrationPhase.SUCCEEDED && outcomes.get(vmKey(m)) == Outcome.MIGRATED) {
                return; // counted already; deleted with the drain's other migrations at its release
            }
            if (drainId.equals(label(m, Bookkeeping.MIGRATION_DRAIN))) {
                countAttempt(m, node, drainId);
                track(m, phase, node).ifPresent(e -> {
                    endEscalation(m);
                    ended.add(e);
                    lastPhase.remove(key);
                });
            }
        } else if (phase == MigrationPhase.SUCCEEDED && !outcomes.containsKey(vmKey(m))
                && !transition(m, MigrationPhase.SUCCEEDED).orElse(created(m)).isBefore(drainStart)) {
            // it finished during this drain: it moved a VM this drain had to move
            adopted(m, node).ifPresent(ended::add);
        }
    }

    /** An escalated attempt has ended: its label goes, so DrainPilot's MigrationPolicy no longer selects the VMI. */
    private void endEscalation(VirtualMachineInstanceMigration m) {
        String ns = m.getMetadata().getNamespace();
        boolean labelled = view.vmi(ns, m.vmiName()).map(v -> v.label(Names.ESCALATION) != null).orElse(false);
        if (labelled) {
            try {
                api.labelVmi(ns, m.vmiName(), java.util.Collections.singletonMap(Names.ESCALATION, null), Map.of());
            } catch (KubernetesClientException e) {
                if (e.getCode() != 404) {
                    throw e;
                }
            }
        }
    }

    /**
     * The VM's attempt count catches up with a migration of ours that exists: its create may have gone through while
     * its answer was lost, so the requester never got to count it.
     */
    private void countAttempt(VirtualMachineInstanceMigration m, String node, String drainId) {
        int attempt;
        try {
            attempt = Integer.parseInt(label(m, Bookkeeping.MIGRATION_ATTEMPT));
        } catch (NumberFormatException | NullPointerException e) {
            return;
        }
        String drainKey = io.drainpilot.work.DrainMarks.drainKey(node, drainId);
        view.vmi(m.getMetadata().getNamespace(), m.vmiName())
                .filter(v -> io.drainpilot.work.DrainMarks.of(v, drainKey).attempts() < attempt)
                .ifPresent(v -> api.annotateVmi(v.getMetadata().getNamespace(), v.getMetadata().getName(),
                        Map.of(Names.ATTEMPTS, String.valueOf(attempt), Bookkeeping.DRAIN, drainKey)));
    }

    private void logPhase(String node, VirtualMachineInstanceMigration m, String key, MigrationPhase phase) {
        MigrationPhase before = lastPhase.put(key, phase);
        if (before != phase) {
            LOG.info("Node {}: {}/{} migration {} {} ({}s)", node, m.getMetadata().getNamespace(), m.vmiName(),
                    m.getMetadata().getName(), phase == MigrationPhase.UNSET ? "created" : phase.wire(),
                    elapsed(m).toSeconds());
        }
    }

    private Optional<EndedMigration> track(VirtualMachineInstanceMigration m, MigrationPhase phase, String source) {
        String target = targetOf(m).orElse(null);
        Optional<VirtualMachineInstance> vmi = view.vmi(m.getMetadata().getNamespace(), m.vmiName());
        if (phase == MigrationPhase.SUCCEEDED) {
            if (vmi.flatMap(VirtualMachineInstance::nodeName).map(source::equals).orElse(false)) {
                // two watches need not agree at every instant: the VMI's own move usually arrives a moment later
                // (and puts the node on the queue again); only a success that stays contradicted is asked about
                if (clock.instant().isBefore(transition(m, MigrationPhase.SUCCEEDED).orElse(created(m)).plus(AGREE))) {
                    return Optional.empty();
                }
                vmi = api.vmi(m.getMetadata().getNamespace(), m.vmiName());
            }
            String now = vmi.flatMap(VirtualMachineInstance::nodeName).orElse(target == null ? "" : target);
            if (vmi.isPresent() && now.equals(source)) {
                return Optional.of(ended(m, source, target, EndedMigration.Result.FAILED,
                        "KubeVirt reports Succeeded but the VMI still runs on " + source, null));
            }
            return Optional.of(ended(m, source, now, EndedMigration.Result.SUCCEEDED, "now on " + now, durationOf(m)));
        }
        if (phase == MigrationPhase.FAILED) {
            // a VMI deleted meanwhile (its VM stopped or removed) fails its migration: nothing is left to move
            Optional<VirtualMachineInstance> fresh = api.vmi(m.getMetadata().getNamespace(), m.vmiName());
            if (fresh.isEmpty() || fresh.get().getMetadata().getDeletionTimestamp() != null) {
                return Optional.of(ended(m, source, target, EndedMigration.Result.GONE, fresh.isEmpty()
                        ? "the VMI was deleted" : "the VMI is being deleted", null));
            }
            return Optional.of(ended(m, source, target, EndedMigration.Result.FAILED, failureReason(m, fresh.get()), null));
        }
        // a guest that dirties memory as fast as it is sent never lets pre-copy finish: no use waiting for the deadline
        if (phase == MigrationPhase.RUNNING) {
            Optional<String> stuck = progress.notConverging(m.getMetadata().getNamespace(), m.vmiName(),
                    m.getMetadata().getName());
            if (stuck.isPresent()) {
                return Optional.of(cancel(m, source, target, "not converging: " + stuck.get(),
                        EndedMigration.Result.NOT_CONVERGING));
            }
        }
        // a VMI no longer on the node while its migration runs: moved (the migration's end follows) or deleted
        // (KubeVirt then fails the migration): either way its end says so
        return overdue(m, phase, vmi.orElse(null)).map(why -> cancel(m, source, target, why, EndedMigration.Result.TIMED_OUT));
    }

    /** Where the migration goes, a steered one read back from the hostname label it names. */
    private Optional<String> targetOf(VirtualMachineInstanceMigration m) {
        boolean reported = m.getStatus() != null && m.getStatus().migrationState != null
                && m.getStatus().migrationState.targetNode != null;
        return InFlightMigrations.targetOf(m, reported ? Map.of() : TargetSteering.nodesByHostname(view.nodes()));
    }

    /** Someone else's migration moved a VM off the node: counted as migrated, never settled as ours. */
    private Optional<EndedMigration> adopted(VirtualMachineInstanceMigration m, String node) {
        Optional<VirtualMachineInstance> vmi = view.vmi(m.getMetadata().getNamespace(), m.vmiName());
        String now = vmi.flatMap(VirtualMachineInstance::nodeName).orElse(targetOf(m).orElse(null));
        if (now == null || now.equals(node)) {
            return Optional.empty();
        }
        return Optional.of(ended(m, node, now, EndedMigration.Result.ADOPTED, "moved to " + now + " by "
                + (m.getMetadata().getAnnotations() != null
                && m.getMetadata().getAnnotations().containsKey(KubeVirtNames.ANNOTATION_EVACUATION_MIGRATION)
                ? "KubeVirt's evacuation " : "") + "migration " + m.getMetadata().getName(), durationOf(m)));
    }

    /**
     * Cancels a migration past its deadline or judged not converging (deleting a VMIM is how KubeVirt cancels it);
     * recovery decides next.
     */
    private EndedMigration cancel(VirtualMachineInstanceMigration m, String source, String target, String why,
            EndedMigration.Result result) {
        String ns = m.getMetadata().getNamespace();
        // hold the VM first: once the migration is deleted nothing else says a decision is pending
        api.annotateVmi(ns, m.vmiName(), Map.of(Bookkeeping.RETRY_AFTER,
                clock.instant().plus(settings.retryBackoff).truncatedTo(ChronoUnit.SECONDS).toString(),
                Bookkeeping.DRAIN, source + "/" + label(m, Bookkeeping.MIGRATION_DRAIN)));
        api.deleteMigration(ns, m.getMetadata().getName());
        return ended(m, source, target, result, why, null);
    }

    /** Before Running the deadline is flat; once Running it grows with the VM's memory. */
    private Optional<String> overdue(VirtualMachineInstanceMigration m, MigrationPhase phase, VirtualMachineInstance vmi) {
        Instant now = clock.instant();
        if (phase.isBeforeRunning()) {
            if (now.isAfter(created(m).plus(settings.deadlineBeforeRunning))) {
                return Optional.of("still " + (phase == MigrationPhase.UNSET ? "not started" : phase.wire()) + " after "
                        + settings.deadlineBeforeRunning.toSeconds() + "s (drainpilot.migration.deadline.before-running)");
            }
            return Optional.empty();
        }
        Instant running = transition(m, MigrationPhase.RUNNING).orElse(created(m));
        java.util.OptionalLong memory = VmiMemory.bytes(vmi);
        long gib = MigrationDeadline.gib(memory);
        Duration limit = MigrationDeadline.runningLimit(memory, settings.deadlineRunningBase, settings.deadlineRunningPerGiB);
        if (now.isAfter(running.plus(limit))) {
            return Optional.of("still Running after " + limit.toSeconds() + "s (base "
                    + settings.deadlineRunningBase.toSeconds() + "s + " + gib + " GiB x "
                    + settings.deadlineRunningPerGiB.toSeconds() + "s)");
        }
        return Optional.empty();
    }

    /**
     * Counts a success in the node's outcome record (once per VM, however often this runs). It is written with the
     * node's next status write; until then the migration object itself says so (kept until the drain's release).
     */
    public void recordSuccess(EndedMigration e) {
        status.note(e.sourceNode(), e.vmKey(), Outcome.MIGRATED);
        long bytes = view.vmi(e.namespace(), e.vmi()).map(VmiMemory::bytes).orElse(java.util.OptionalLong.empty()).orElse(0L);
        // someone else's migration moved memory over the same network: its rate counts as well
        java.time.Duration setup = view.migrationsOfVmi(e.namespace(), e.vmi()).stream()
                .filter(m -> e.name().equals(m.getMetadata().getName())).findFirst()
                .flatMap(io.drainpilot.plan.MigrationTimes::toRunning).orElse(null);
        rates.record(new TransferRates.Sample(e.namespace() + "/" + e.name(), e.sourceNode(), e.targetNode(), bytes,
                e.duration(), setup));
        if (e.result() != EndedMigration.Result.ADOPTED) {
            metrics.migrationEnded(e.result().wire(), e.duration());
            if (bytes > 0) {
                metrics.bytesMigrated(e.sourceNode(), bytes);
            }
        }
        LOG.info("Node {}: {} migrated to {}{}{}", e.sourceNode(), e.vmKey(), e.targetNode(),
                e.duration() == null ? "" : " in " + e.duration().toSeconds() + "s",
                e.result() == EndedMigration.Result.ADOPTED ? " (" + e.detail() + ")" : "");
    }

    /**
     * A migration whose VMI is gone or going: nothing to move any more. What happened to the VM (stopped by someone,
     * by Harvester's job, deleted) is told by the node's evaluation once the VMI has left the node.
     */
    public void forget(EndedMigration e) {
        api.deleteMigration(e.namespace(), e.name());
        metrics.migrationEnded(e.result().wire(), null);
        LOG.info("Node {}: {} was deleted during its migration; nothing left to move", e.sourceNode(), e.vmKey());
    }

    /** A failed or cancelled migration of ours goes to recovery, which deletes it once it has decided. */
    public io.drainpilot.work.RecoveryCase failed(EndedMigration e) {
        metrics.migrationEnded(e.result().wire(), null);
        return e.recoveryCase();
    }

    private EndedMigration ended(VirtualMachineInstanceMigration m, String source, String target,
            EndedMigration.Result result, String detail, Duration duration) {
        int attempt = 0;
        try {
            attempt = Integer.parseInt(label(m, Bookkeeping.MIGRATION_ATTEMPT));
        } catch (NumberFormatException | NullPointerException e) {
            // not one of ours
        }
        return new EndedMigration(m.getMetadata().getNamespace(), m.getMetadata().getName(), m.vmiName(), source,
                target, result, detail, duration, attempt, label(m, Bookkeeping.MIGRATION_DRAIN));
    }

    private static String failureReason(VirtualMachineInstanceMigration m, VirtualMachineInstance vmi) {
        String fromVmim = Optional.ofNullable(m.getStatus()).map(s -> s.migrationState).map(s -> s.failureReason).orElse(null);
        if (fromVmim != null && !fromVmim.isBlank()) {
            return fromVmim;
        }
        var state = vmi == null || vmi.getStatus() == null ? null : vmi.getStatus().migrationState;
        if (state != null && state.failureReason != null && !state.failureReason.isBlank()) {
            return state.failureReason;
        }
        return "KubeVirt reports the migration Failed without a reason";
    }

    private static Optional<Instant> transition(VirtualMachineInstanceMigration m, MigrationPhase phase) {
        if (m.getStatus() == null || m.getStatus().phaseTransitionTimestamps == null) {
            return Optional.empty();
        }
        return m.getStatus().phaseTransitionTimestamps.stream().filter(p -> phase.wire().equals(p.phase))
                .map(p -> Instant.parse(p.phaseTransitionTimestamp)).findFirst();
    }

    private Duration elapsed(VirtualMachineInstanceMigration m) {
        return Duration.between(created(m), clock.instant());
    }

    private static Instant created(VirtualMachineInstanceMigration m) {
        String c = m.getMetadata().getCreationTimestamp();
        return c == null ? Instant.EPOCH : Instant.parse(c);
    }

    private static Instant startOf(Map<String, String> nodeAnnotations) {
        io.drainpilot.work.EvacuationSummary s = io.drainpilot.work.EvacuationSummary.parse(
                nodeAnnotations.get(Names.EVACUATION_SUMMARY));
        try {
            return s == null || s.startedAt() == null ? Instant.EPOCH : Instant.parse(s.startedAt()).minusSeconds(1);
        } catch (RuntimeException e) {
            return Instant.EPOCH;
        }
    }

    /** Creation to Succeeded, from KubeVirt's own timestamps (second precision). */
    private static Duration durationOf(VirtualMachineInstanceMigration m) {
        return transition(m, MigrationPhase.SUCCEEDED).map(end -> Duration.between(created(m), end)).orElse(null);
    }

    private static String vmKey(VirtualMachineInstanceMigration m) {
        return m.getMetadata().getNamespace() + "/" + m.vmiName();
    }

    private static String label(VirtualMachineInstanceMigration m, String key) {
        return m.getMetadata().getLabels() == null ? null : m.getMetadata().getLabels().get(key);
    }
}
