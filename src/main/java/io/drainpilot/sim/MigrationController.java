package io.drainpilot.sim;

import io.drainpilot.kubevirt.KubeVirt;
import io.drainpilot.kubevirt.KubeVirtNames;
import io.drainpilot.kubevirt.MigrationPolicy;
import io.drainpilot.kubevirt.MigrationPhase;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.kubevirt.VirtualMachineInstanceMigration;
import io.drainpilot.kubevirt.VirtualMachineInstanceStatus;
import io.fabric8.kubernetes.api.model.Node;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * KubeVirt's migration controller and the migration itself: walks each VMIM through its phases, honours the
 * parallel-migration limits, backs off evacuation migrations after failures, picks the target like KubeVirt, and
 * succeeds or fails the way KubeVirt does. Runs on the simulator thread only. The backoff uses the failure times this
 * controller saw (not the VMIM's second-precision timestamps), so scaled backoffs below a second stay exact.
 *
 * <p>The target pod is placed by the nodeSelector KubeVirt renders for it ({@link TargetScheduler#migrationTargetSelector}):
 * a host-model VMI's source pod's {@code cpu-model-migration.*}/{@code cpu-feature.*} selectors when it has any, else
 * the source node's host model and required features; from KubeVirt 1.8 the source node's {@code cpu-vendor.*}. When
 * the migration succeeds the source pod goes and the target pod is the VMI's pod; when it fails or is cancelled the
 * target pod goes. Simplifications: the target pod is created only once a node fits it, already Running (a real one is
 * created at once and stays Pending while nothing fits, then starts); a VMI without a Running launcher pod migrates as
 * one that never migrated; the vendor selector is added from the source node's labels whenever the rendered selector
 * has none (the Hyper-V EVMCS selector that would already name Intel is not simulated); decentralized (cross-cluster)
 * migrations are not simulated.
 */
final class MigrationController {
    private static final Logger LOG = LoggerFactory.getLogger(MigrationController.class);
    /** Real-time seconds each step before Running takes (pod creation, target preparation). */
    private static final double PRE_RUNNING_STEP_SECONDS = 0.2;
    private static final long DEFAULT_UNSCHEDULABLE_TIMEOUT_SECONDS = 300;
    private static final double BACKOFF_SECONDS = 20;
    private static final double MIB = 1024 * 1024;
    private static final long DEFAULT_PROGRESS_TIMEOUT_SECONDS = 150;

    private final ClusterWriter writer;
    private final SimSettings settings;
    private final SimRecord record;
    private final FaultPlan faults;
    private final TargetScheduler scheduler;
    private final LauncherPods pods;
    private final boolean sameVendor;
    private final Random jitter;
    private final long defaultCompletionTimeoutPerGiB;
    private final Function<String, Double> dirtyRates;
    /** Running migrations as virt-handler reports them, by VMIM uid; read by other threads. */
    private final Map<String, MigrationSample> samples = new java.util.concurrent.ConcurrentHashMap<>();
    // by VMIM uid, in the order the controller first saw them
    private final Map<String, MigrationRun> runs = new LinkedHashMap<>();

    MigrationController(ClusterWriter writer, SimSettings settings, SimRecord record, FaultPlan faults,
                        TargetScheduler scheduler, LauncherPods pods, boolean sameVendor,
                        long defaultCompletionTimeoutPerGiB, Function<String, Double> dirtyRates) {
        this.writer = writer;
        this.defaultCompletionTimeoutPerGiB = defaultCompletionTimeoutPerGiB;
        this.dirtyRates = dirtyRates;
        this.pods = pods;
        this.sameVendor = sameVendor;
        this.settings = settings;
        this.record = record;
        this.faults = faults;
        this.scheduler = scheduler;
        this.jitter = new Random(settings.seed());
    }

    /** Target pods hold memory on their node; the VM controller must see that too. */
    void reserveTargets(NodeCapacity capacity) {
        runs.values().stream().filter(MigrationRun::hasTarget).forEach(r -> capacity.reserve(r.target, r.memoryBytes));
    }

    void reconcile(ClusterView view, NodeCapacity capacity) {
        Map<String, VirtualMachineInstanceMigration> present = view.migrations().stream()
                .collect(Collectors.toMap(m -> m.getMetadata().getUid(), Function.identity()));
        for (MigrationRun run : new ArrayList<>(runs.values())) {
            if (!present.containsKey(run.uid)) {
                if (!run.phase.isFinal()) {
                    cancel(run, view);
                }
                runs.remove(run.uid);
            }
            if (run.phase.isFinal()) {
                samples.remove(run.uid);
            }
        }
        view.migrations().stream()
                .sorted(Comparator.comparing((VirtualMachineInstanceMigration m) -> m.getMetadata().getCreationTimestamp(),
                        Comparator.nullsFirst(Comparator.naturalOrder())).thenComparing(m -> m.getMetadata().getName()))
                .forEach(m -> runs.computeIfAbsent(m.getMetadata().getUid(), uid -> new MigrationRun(
                        m.getMetadata().getNamespace(), m.getMetadata().getName(), uid, m.vmiName(), m.phase(),
                        backoffEligible(m))));
        for (MigrationRun run : runs.values()) {
            if (!run.phase.isFinal()) {
                try {
                    step(run, present.get(run.uid), view, capacity);
                } catch (RuntimeException e) {
                    LOG.warn("migration {}/{} step failed, retrying next tick: {}", run.namespace, run.name, e.toString());
                }
            }
        }
        recordInFlight();
    }

    private void step(MigrationRun run, VirtualMachineInstanceMigration vmim, ClusterView view, NodeCapacity capacity) {
        Instant now = Instant.now();
        Optional<VirtualMachineInstance> vmi = view.vmi(run.namespace, run.vmiName);
        if (vmi.isEmpty() || isFinal(vmi.get())) {
            fail(run, view, "VMI " + run.vmiKey() + " is not running anymore");
            return;
        }
        if (vmi.get().getMetadata().getDeletionTimestamp() != null) {
            // the VM is being stopped: virt-handler shuts the source domain down and the migration fails
            fail(run, view, "VMI " + run.vmiKey() + " is shutting down");
            return;
        }
        switch (run.phase) {
            case UNSET -> transition(run, MigrationPhase.PENDING, s -> { });
            case PENDING -> {
                String source = vmi.get().nodeName().orElse(null);
                if (!inBackoff(run, now) && mayStart(source, view)) {
                    run.source = source;
                    run.memoryBytes = NodeCapacity.memoryOf(vmi.get());
                    run.schedulingSince = now;
                    transition(run, MigrationPhase.SCHEDULING, s -> { });
                }
            }
            case SCHEDULING -> schedule(run, vmim, vmi.get(), view, capacity, now);
            case SCHEDULED -> {
                if (stepDone(run, now)) {
                    // the target pod is handed off: KubeVirt settles the migration's configuration now
                    configure(run, vmi.get(), view);
                    writer.updateVmi(run.namespace, run.vmiName, v -> {
                        VirtualMachineInstanceStatus.MigrationState state = new VirtualMachineInstanceStatus.MigrationState();
                        if (run.policyName != null) {
                            state.unknownField("migrationPolicyName", run.policyName);
                        }
                        state.migrationUid = run.uid;
                        state.sourceNode = run.source;
                        state.targetNode = run.target;
                        state.targetPod = run.targetPod;
                        state.mode = "PreCopy";
                        v.getStatus().migrationState = state;
                    });
                    transition(run, MigrationPhase.PREPARING_TARGET, s -> { });
                }
            }
            case PREPARING_TARGET -> {
                if (stepDone(run, now)) {
                    transition(run, MigrationPhase.TARGET_READY, s -> { });
                }
            }
            case TARGET_READY -> {
                if (stepDone(run, now)) {
                    writer.updateVmi(run.namespace, run.vmiName, v -> migrationState(v).startTimestamp = Timestamps.now());
                    run.transfer = new MigrationTransfer(run.memoryBytes, run.options);
                    run.transferredUntil = now;
                    transition(run, MigrationPhase.RUNNING, s -> { });
                }
            }
            case RUNNING -> finishIfDone(run, vmi.get(), view, now);
            default -> throw new IllegalStateException("unexpected phase " + run.phase);
        }
    }

    private void schedule(MigrationRun run, VirtualMachineInstanceMigration vmim, VirtualMachineInstance vmi,
                          ClusterView view, NodeCapacity capacity, Instant now) {
        Node source = view.nodes().get(run.source);
        Map<String, String> added = vmim.getSpec() == null ? null : vmim.getSpec().addedNodeSelector;
        Optional<io.fabric8.kubernetes.api.model.Pod> sourcePod = view.launcherPod(vmi);
        Optional<Map<String, String>> selector = scheduler.migrationTargetSelector(vmi, source, added,
                LauncherPods.nodeSelector(sourcePod), sameVendor);
        Optional<String> target = selector
                .flatMap(sel -> scheduler.schedule(vmi, sel, view, capacity, run.source, false));
        if (target.isPresent()) {
            capacity.reserve(target.get(), run.memoryBytes);
            run.target = target.get();
            run.sourcePod = sourcePod.map(p -> p.getMetadata().getName()).orElse(null);
            run.targetPod = pods.create(vmi, run.target, selector.get(), LauncherPods.RUNNING, run.uid)
                    .getMetadata().getName();
            transition(run, MigrationPhase.SCHEDULED, s -> s.migrationState = stateRef(run, null));
            return;
        }
        long timeoutSeconds = unschedulableTimeoutSeconds(vmim);
        if (Duration.between(run.schedulingSince, now).toMillis() >= settings.scaledMillis(timeoutSeconds)) {
            if (KubeVirtNames.CPU_HOST_MODEL.equals(TargetScheduler.cpuModel(vmi))) {
                writer.event(vmi, "Warning", "NoSuitableNodesForHostModelMigration",
                        "Migration cannot proceed since no node is suitable to run the required CPU model / required features.");
            }
            fail(run, view, "target pod for VMI " + run.vmiKey() + " stayed unschedulable for " + timeoutSeconds
                    + "s: 0/" + view.nodes().size() + " nodes are available for its node selector, affinity, taints, readiness and memory");
        }
    }

    private void finishIfDone(MigrationRun run, VirtualMachineInstance vmi, ClusterView view, Instant now) {
        if (faults.isStalled(run.vmiKey())) {
            return;
        }
        if (KubeVirtNames.CPU_HOST_PASSTHROUGH.equals(TargetScheduler.cpuModel(vmi)) && stepDone(run, now)) {
            Optional<String> mismatch = LibvirtCpuCheck.hostPassthroughMismatch(
                    view.nodes().get(run.source), view.nodes().get(run.target));
            if (mismatch.isPresent()) {
                fail(run, view, mismatch.get());
                return;
            }
        }
        double seconds = Duration.between(run.transferredUntil, now).toNanos() / 1e9 / settings.timeScale();
        run.transferredUntil = now;
        MigrationTransfer.State state = run.transfer.advance(seconds);
        samples.put(run.uid, sample(run));
        switch (state) {
            case RUNNING -> { }
            case SWITCHED_TO_POST_COPY -> {
                writer.updateVmi(run.namespace, run.vmiName, v -> migrationState(v).mode = MigrationTransfer.Mode.POST_COPY.wire());
                LOG.info("migration {}/{} of {} switched to post-copy", run.namespace, run.name, run.vmiName);
            }
            case ABORTED -> {
                samples.remove(run.uid);
                writer.updateVmi(run.namespace, run.vmiName, v -> migrationState(v).abortStatus = "Succeeded");
                fail(run, view, run.transfer.abortReason());
            }
            case CONVERGED -> {
                samples.remove(run.uid);
                Optional<String> injected = faults.takeFailure(run.vmiKey());
                if (injected.isPresent()) {
                    fail(run, view, injected.get());
                } else {
                    succeed(run, vmi, view);
                }
            }
            default -> throw new IllegalStateException("unexpected transfer state " + state);
        }
    }

    /** Running migrations as virt-handler on their source nodes reports them. */
    List<MigrationSample> samples() {
        return List.copyOf(samples.values());
    }

    private static MigrationSample sample(MigrationRun run) {
        MigrationTransfer t = run.transfer;
        return new MigrationSample(run.namespace, run.vmiName, run.source, t.processed(), t.remaining(),
                t.effectiveDirtyRate(), t.processed() + t.remaining(), t.transferRate(), t.mode().wire());
    }

    /**
     * The migration's settings: the KubeVirt CR's, overridden by the MigrationPolicy that matches the VMI (and its
     * namespace) best; the bandwidth never exceeds the simulated link.
     */
    private void configure(MigrationRun run, VirtualMachineInstance vmi, ClusterView view) {
        KubeVirt.Migrations config = view.migrationConfig();
        Optional<MigrationPolicy> policy = PolicyMatch.best(view.policies(), vmi.getMetadata().getLabels(),
                view.namespaceLabels().get(run.namespace));
        MigrationPolicy.Spec p = policy.map(MigrationPolicy::getSpec).orElse(new MigrationPolicy.Spec());
        run.policyName = policy.map(x -> x.getMetadata().getName()).orElse(null);
        double link = settings.bandwidthMiBps() * MIB / (0.95 + 0.1 * jitter.nextDouble());
        String bandwidth = p.bandwidthPerMigration != null ? p.bandwidthPerMigration : config.bandwidthPerMigration;
        double limit = bandwidthBytes(bandwidth);
        double rate = limit > 0 ? Math.min(link, limit) : link;
        boolean autoConverge = Boolean.TRUE.equals(p.allowAutoConverge != null ? p.allowAutoConverge : config.allowAutoConverge);
        boolean postCopy = Boolean.TRUE.equals(p.allowPostCopy != null ? p.allowPostCopy : config.allowPostCopy);
        long progressTimeout = config.progressTimeout != null ? config.progressTimeout : DEFAULT_PROGRESS_TIMEOUT_SECONDS;
        long completionPerGiB = p.completionTimeoutPerGiB != null ? p.completionTimeoutPerGiB
                : config.completionTimeoutPerGiB != null ? config.completionTimeoutPerGiB : defaultCompletionTimeoutPerGiB;
        double dirty = Optional.ofNullable(dirtyRates.apply(run.vmiKey())).orElse(0.0);
        run.options = new MigrationTransfer.Options(rate, dirty, autoConverge, postCopy, progressTimeout, completionPerGiB);
    }

    /** A quantity per second such as {@code 64Mi}; null, empty or 0 means unlimited (0 returned). */
    private static double bandwidthBytes(String quantity) {
        if (quantity == null || quantity.isBlank()) {
            return 0;
        }
        try {
            return io.fabric8.kubernetes.api.model.Quantity.getAmountInBytes(
                    new io.fabric8.kubernetes.api.model.Quantity(quantity)).doubleValue();
        } catch (RuntimeException e) {
            return 0;
        }
    }

    private void succeed(MigrationRun run, VirtualMachineInstance vmi, ClusterView view) {
        Optional<VirtualMachineInstance> moved = writer.updateVmi(run.namespace, run.vmiName, v -> {
            v.getStatus().nodeName = run.target;
            if (v.getMetadata().getLabels() == null) {
                v.getMetadata().setLabels(new HashMap<>());
            }
            v.getMetadata().getLabels().put(KubeVirtNames.LABEL_NODE_NAME, run.target);
            VirtualMachineInstanceStatus.MigrationState state = migrationState(v);
            state.endTimestamp = Timestamps.now();
            state.completed = true;
            state.failed = false;
        });
        if (moved.isEmpty()) {
            // the VM was stopped while this tick's view still showed it
            fail(run, view, "Migration failed vmi shutdown during migration.");
            return;
        }
        // the source pod ends; the target pod is the VMI's pod from now on
        pods.delete(run.namespace, run.sourcePod);
        record.outcome(new SimRecord.MigrationOutcome(run.namespace, run.name, run.vmiName, run.source, run.target,
                SimRecord.Result.SUCCEEDED, Duration.between(run.seenAt, Instant.now()), null));
        transition(run, MigrationPhase.SUCCEEDED, s -> s.migrationState = stateRef(run, null));
        writer.event(vmi, "Normal", "SuccessfulMigration", "Source node reported migration succeeded");
        LOG.info("migration {}/{} of {} succeeded: {} -> {}", run.namespace, run.name, run.vmiName, run.source, run.target);
    }

    private void fail(MigrationRun run, ClusterView view, String reason) {
        if (run.target != null && run.phase.ordinal() >= MigrationPhase.PREPARING_TARGET.ordinal()) {
            writer.updateVmi(run.namespace, run.vmiName, v -> {
                VirtualMachineInstanceStatus.MigrationState state = migrationState(v);
                state.endTimestamp = Timestamps.now();
                state.completed = false;
                state.failed = true;
                state.failureReason = reason;
            });
        }
        pods.delete(run.namespace, run.targetPod);
        record.outcome(new SimRecord.MigrationOutcome(run.namespace, run.name, run.vmiName, run.source, run.target,
                SimRecord.Result.FAILED, Duration.between(run.seenAt, Instant.now()), reason));
        transition(run, MigrationPhase.FAILED, s -> s.migrationState = stateRef(run, reason));
        run.failedAt = Instant.now();
        view.vmi(run.namespace, run.vmiName).ifPresent(vmi ->
                writer.event(vmi, "Warning", "FailedMigration", "Migration failed: " + reason));
        // virt-controller records the failure on the migration too; Harvester's pre-drain job looks for it there
        view.migrations().stream().filter(m -> run.uid.equals(m.getMetadata().getUid())).findFirst()
                .ifPresent(m -> writer.event(m, "Warning", "FailedMigration", reason));
        LOG.info("migration {}/{} of {} failed: {}", run.namespace, run.name, run.vmiName, reason);
    }

    /** The VMIM was deleted: KubeVirt aborts the migration and the VMI stays on its source. */
    private void cancel(MigrationRun run, ClusterView view) {
        if (run.target != null && run.phase.ordinal() >= MigrationPhase.PREPARING_TARGET.ordinal()
                && view.vmi(run.namespace, run.vmiName).isPresent()) {
            writer.updateVmi(run.namespace, run.vmiName, v -> {
                VirtualMachineInstanceStatus.MigrationState state = migrationState(v);
                state.abortStatus = "Succeeded";
                state.endTimestamp = Timestamps.now();
                state.completed = false;
                state.failed = true;
                state.failureReason = "Live migration aborted";
            });
        }
        pods.delete(run.namespace, run.targetPod);
        run.phase = MigrationPhase.FAILED;
        run.failedAt = Instant.now();
        record.outcome(new SimRecord.MigrationOutcome(run.namespace, run.name, run.vmiName, run.source, run.target,
                SimRecord.Result.CANCELLED, Duration.between(run.seenAt, Instant.now()), "VMIM deleted"));
        LOG.info("migration {}/{} of {} cancelled by deletion", run.namespace, run.name, run.vmiName);
    }

    private void transition(MigrationRun run, MigrationPhase phase,
                            Consumer<VirtualMachineInstanceMigration.Status> alsoChange) {
        Instant now = Instant.now();
        String at = Timestamps.of(now);
        // recorded before the write, so whoever sees the new phase through the API finds it in the record too
        record.phaseTransition(new SimRecord.PhaseTransition(run.namespace, run.name, run.vmiName, phase, now));
        writer.updateMigrationStatus(run.namespace, run.name, s -> {
            s.phase = phase.wire();
            if (s.phaseTransitionTimestamps == null) {
                s.phaseTransitionTimestamps = new ArrayList<>();
            }
            VirtualMachineInstanceMigration.PhaseTransition t = new VirtualMachineInstanceMigration.PhaseTransition();
            t.phase = phase.wire();
            t.phaseTransitionTimestamp = at;
            s.phaseTransitionTimestamps.add(t);
            alsoChange.accept(s);
        });
        // if the VMIM was deleted meanwhile, the next tick cancels it (unless it just became final)
        run.phase = phase;
        run.phaseSince = now;
    }

    /**
     * KubeVirt's handleMigrationBackoff: the newest evacuation migration of a VMI stays Pending until 20 s after
     * the previous one failed, doubling with every failure since the last success.
     */
    private boolean inBackoff(MigrationRun run, Instant now) {
        if (!run.backoffEligible) {
            return false;
        }
        List<MigrationRun> newestFirst = new ArrayList<>(runs.values().stream()
                .filter(r -> r.backoffEligible && r.vmiKey().equals(run.vmiKey())).toList());
        java.util.Collections.reverse(newestFirst);
        if (newestFirst.size() < 2 || newestFirst.get(0) != run) {
            return false;
        }
        double backoffSeconds = 0;
        for (MigrationRun earlier : newestFirst.subList(1, newestFirst.size())) {
            if (earlier.phase == MigrationPhase.SUCCEEDED) {
                break;
            }
            if (earlier.phase == MigrationPhase.FAILED) {
                backoffSeconds = backoffSeconds == 0 ? BACKOFF_SECONDS : backoffSeconds * 2;
            }
        }
        Instant previousFailure = newestFirst.get(1).failedAt;
        if (backoffSeconds == 0 || previousFailure == null) {
            return false;
        }
        return now.isBefore(previousFailure.plusMillis(settings.scaledMillis(backoffSeconds)));
    }

    private static boolean backoffEligible(VirtualMachineInstanceMigration m) {
        Map<String, String> annotations = m.getMetadata().getAnnotations();
        return annotations != null && (annotations.containsKey(KubeVirtNames.ANNOTATION_EVACUATION_MIGRATION)
                || annotations.containsKey("kubevirt.io/workloadUpdateMigration"));
    }

    private boolean mayStart(String source, ClusterView view) {
        long cluster = runs.values().stream().filter(MigrationRun::countsAsInFlight).count();
        long outbound = runs.values().stream()
                .filter(r -> r.countsAsInFlight() && r.source != null && r.source.equals(source)).count();
        return cluster < view.parallelMigrationsPerCluster() && outbound < view.parallelOutboundMigrationsPerNode();
    }

    private void recordInFlight() {
        Map<String, Integer> outbound = new HashMap<>();
        Map<String, Integer> inbound = new HashMap<>();
        int cluster = 0;
        for (MigrationRun r : runs.values()) {
            if (r.countsAsInFlight()) {
                cluster++;
                outbound.merge(r.source, 1, Integer::sum);
                if (r.target != null) {
                    inbound.merge(r.target, 1, Integer::sum);
                }
            }
        }
        record.inFlight(cluster, outbound, inbound);
    }

    private boolean stepDone(MigrationRun run, Instant now) {
        return run.inPhase(now).toMillis() >= settings.scaledMillis(PRE_RUNNING_STEP_SECONDS);
    }

    private static long unschedulableTimeoutSeconds(VirtualMachineInstanceMigration vmim) {
        Map<String, String> annotations = vmim.getMetadata().getAnnotations();
        String value = annotations == null ? null : annotations.get(KubeVirtNames.ANNOTATION_UNSCHEDULABLE_TIMEOUT);
        try {
            return value == null ? DEFAULT_UNSCHEDULABLE_TIMEOUT_SECONDS : Long.parseLong(value);
        } catch (NumberFormatException e) {
            return DEFAULT_UNSCHEDULABLE_TIMEOUT_SECONDS;
        }
    }

    private static boolean isFinal(VirtualMachineInstance vmi) {
        return "Succeeded".equals(vmi.phase()) || "Failed".equals(vmi.phase());
    }

    private static VirtualMachineInstanceStatus.MigrationState migrationState(VirtualMachineInstance vmi) {
        if (vmi.getStatus().migrationState == null) {
            vmi.getStatus().migrationState = new VirtualMachineInstanceStatus.MigrationState();
        }
        return vmi.getStatus().migrationState;
    }

    private static VirtualMachineInstanceMigration.MigrationStateRef stateRef(MigrationRun run, String failureReason) {
        VirtualMachineInstanceMigration.MigrationStateRef ref = new VirtualMachineInstanceMigration.MigrationStateRef();
        ref.sourceNode = run.source;
        ref.targetNode = run.target;
        ref.failureReason = failureReason;
        return ref;
    }
}
