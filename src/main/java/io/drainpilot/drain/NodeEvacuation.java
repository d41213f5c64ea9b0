package io.drainpilot.drain;

import io.drainpilot.alert.ProblemReporter;
import io.drainpilot.config.Settings;
import io.drainpilot.cpu.CpuLabels;
import io.drainpilot.cpu.CpuMode;
import io.drainpilot.cpu.CpuRequirement;
import io.drainpilot.cpu.LauncherCpu;
import io.drainpilot.kubevirt.ClusterApi;
import io.drainpilot.kubevirt.KubeVirt;
import io.drainpilot.kubevirt.KubeVirtNames;
import io.drainpilot.kubevirt.VirtualMachine;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.kubevirt.VirtualMachineInstanceMigration;
import io.drainpilot.names.Bookkeeping;
import io.drainpilot.names.Names;
import io.drainpilot.observe.StatusBoard;
import io.drainpilot.plan.CpuVendorRule;
import io.drainpilot.plan.EtaEstimate;
import io.drainpilot.plan.EvacuationPlanner;
import io.drainpilot.plan.MigrationDeadline;
import io.drainpilot.plan.MigrationTimes;
import io.drainpilot.plan.HarvesterRisk;
import io.drainpilot.plan.UpgradeMode;
import io.drainpilot.plan.InFlightMigrations;
import io.drainpilot.plan.NodeTaints;
import io.drainpilot.plan.MigrationLimits;
import io.drainpilot.plan.PlanInputs;
import io.drainpilot.plan.ReleaseRule;
import io.drainpilot.plan.SlotBudget;
import io.drainpilot.plan.TargetSteering;
import io.drainpilot.plan.Triage;
import io.drainpilot.plan.VmiMemory;
import io.drainpilot.plan.VmiOrder;
import io.drainpilot.view.ClusterView;
import io.drainpilot.work.Alert;
import io.drainpilot.work.Decision;
import io.drainpilot.work.HarvesterUpgrade;
import io.drainpilot.work.DrainMarks;
import io.drainpilot.work.DrainRequest;
import io.drainpilot.work.NodePlan;
import io.drainpilot.work.NodeStatus;
import io.drainpilot.work.Outcome;
import io.drainpilot.work.RecoveryCase;
import io.drainpilot.work.TransferRates;
import io.drainpilot.work.VmState;
import io.drainpilot.work.VmWork;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The evacuate-node stage for one node, decided from the cluster view: starts a new drain (a new drain id), honours
 * cancel, sorts the node's VMIs ({@link Triage}), plans the ones that need it ({@link EvacuationPlanner}), fits the
 * migrations into the caps ({@link SlotBudget}), writes the node's status and says whether the drain can be released
 * ({@link ReleaseRule}). Everything is recomputed each time from the view (level-triggered); the writes are the
 * route's next steps, not this class's.
 */
public class NodeEvacuation {
    private static final Logger LOG = LoggerFactory.getLogger(NodeEvacuation.class);
    private static final EvacuationPlanner PLANNER = new EvacuationPlanner();
    /** How many candidate targets get their free memory measured (their VMIs watched) per draining node. */
    static final int MEMORY_CANDIDATES = 8;
    /**
     * How many compatible targets each VM's plan names (the best first): enough to steer around busy ones, without
     * checking every node of a large cluster for every VM.
     */
    static final int TARGETS_CONSIDERED = 8;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final ClusterView view;
    private final ClusterApi api;
    private final Settings settings;
    private final ProblemReporter problems;
    private final NodeStatus status;
    private final StatusBoard board;
    private final Clock clock;
    private final java.util.function.Supplier<Set<String>> draining;
    private final VmiOrder order;
    private final Map<String, String> lastLoggedPlan = new ConcurrentHashMap<>();
    /** Each node's CPU labels parsed once per version of the node, not once per VM planned. */
    private final Map<String, ParsedCpu> cpuByNode = new ConcurrentHashMap<>();
    /** Per drain, the VMs seen on its node: one that vanishes without an outcome is looked into once. */
    private final Map<String, Set<String>> seenByDrain = new ConcurrentHashMap<>();
    /** Per draining node, the candidate targets whose VMIs are watched for their free memory. */
    private final Map<String, Set<String>> memoryWatches = new ConcurrentHashMap<>();

    private record ParsedCpu(String resourceVersion, CpuLabels labels) {
    }

    private record ParsedMemory(String resourceVersion, long bytes) {
    }

    private final Map<String, ParsedMemory> memoryByNode = new ConcurrentHashMap<>();
    private final TransferRates rates;

    public NodeEvacuation(ClusterView view, ClusterApi api, NodeStatus status, Settings settings, ProblemReporter problems,
            StatusBoard board, Clock clock, java.util.function.Supplier<Set<String>> draining) {
        this(view, api, status, settings, problems, board, clock, draining, new TransferRates());
    }

    /** @param rates the rates migrations have shown, shared with the await stage that feeds them */
    public NodeEvacuation(ClusterView view, ClusterApi api, NodeStatus status, Settings settings, ProblemReporter problems,
            StatusBoard board, Clock clock, java.util.function.Supplier<Set<String>> draining, TransferRates rates) {
        this.rates = rates;
        this.draining = draining;
        this.view = view;
        this.api = api;
        this.settings = settings;
        this.problems = problems;
        this.board = board;
        this.clock = clock;
        this.status = status;
        this.order = VmiOrder.parse(settings.vmOrder);
    }

    /** The node's plan now; a cancelled or finished node gets an empty one. */
    public NodePlan evaluate(DrainRequest request) {
        String name = request.nodeName();
        Map<String, String> ann = DrainSignals.annotations(request.node());
        String state = ann.get(Names.EVACUATION);

        if (request.cancel()) {
            NodePlan cancelled = cancel(request, state);
            board.update(cancelled, Names.CANCELLED);
            return cancelled;
        }
        boolean hookWaiting = request.rancherHook() != null && !request.rancherHook().released();
        if (Names.COMPLETED.equals(state) && !hookWaiting) {
            NodePlan done = NodePlan.nothing(request, Names.COMPLETED);
            board.update(done, Names.COMPLETED);
            return done;
        }
        if (settings.dryRun) {
            // plan only: report what would happen, start nothing, write nothing
            NodePlan plan = plan(request, "dry-run", "dry run");
            logIfChanged(plan);
            board.update(plan, "DryRun", live(plan));
            return NodePlan.nothing(request, plan.state());
        }
        String drainId = ann.get(Bookkeeping.DRAIN_ID);
        if (startsNewDrain(request)) {
            drainId = newDrainId();
            LOG.info("Node {}: drain requested by {}; evacuation starts (drain {})", name,
                    String.join(", ", request.signals()), drainId);
            status.startDrain(name, drainId, request.signals());
        }
        NodePlan plan = plan(request, drainId, null);
        logIfChanged(plan);
        StatusBoard.Live live = live(plan);
        writeStatus(plan, live.etaAt() == null ? null
                : (long) Math.ceil(java.time.Duration.between(clock.instant(), live.etaAt()).toMillis() / 1000.0));
        board.update(plan, plan.state(), live);
        return plan;
    }

    /**
     * Whether evaluating this request starts a new drain of its node (a new drain id): nothing started yet, or the
     * last drain was cancelled, or completed while a Rancher hook asks again. Null and cancel requests start none.
     */
    public static boolean startsNewDrain(DrainRequest request) {
        if (request == null || request.cancel()) {
            return false;
        }
        Map<String, String> ann = DrainSignals.annotations(request.node());
        String state = ann.get(Names.EVACUATION);
        boolean hookWaiting = request.rancherHook() != null && !request.rancherHook().released();
        if (Names.COMPLETED.equals(state)) {
            return hookWaiting;
        }
        return state == null || Names.CANCELLED.equals(state) || ann.get(Bookkeeping.DRAIN_ID) == null;
    }

    /**
     * What would happen to each VM of this node if it drained now, decided exactly as a drain decides (preflight):
     * nothing is written.
     */
    public NodePlan preview(Node node) {
        Map<String, String> ann = DrainSignals.annotations(node);
        String state = ann.get(Names.EVACUATION);
        // a drain under way goes on with its own marks (targets that failed, backoffs, fallbacks applied): judge
        // its VMs as it would; any other node would start a new drain, to which no earlier mark belongs
        boolean underWay = Names.IN_PROGRESS.equals(state) || Names.BLOCKED.equals(state);
        String drainId = underWay && ann.get(Bookkeeping.DRAIN_ID) != null ? ann.get(Bookkeeping.DRAIN_ID) : "preflight";
        return plan(new DrainRequest(node, List.of("preflight"), false, null), drainId, "preflight");
    }

    /** A node that is gone: its per-drain memory (VMs seen, last plan logged, candidate watches, parsed labels). */
    public void forget(String node) {
        seenByDrain.keySet().removeIf(k -> k.startsWith(node + "/"));
        lastLoggedPlan.remove(node);
        memoryWatches.remove(node);
        cpuByNode.remove(node);
        memoryByNode.remove(node);
    }

    /** Candidate targets whose VMIs this stage watches, and the draining nodes: the VMI watches to keep. */
    public Set<String> watchedForDrains(Set<String> draining) {
        memoryWatches.keySet().retainAll(draining);
        Set<String> keep = new HashSet<>(draining);
        memoryWatches.values().forEach(keep::addAll);
        return keep;
    }

    private NodePlan cancel(DrainRequest request, String state) {
        String name = request.nodeName();
        int deleted = 0;
        for (VirtualMachineInstanceMigration m : view.migrationsFrom(name)) {
            if (!m.phase().isFinal() && Triage.isOurs(m)
                    && api.deleteMigration(m.getMetadata().getNamespace(), m.getMetadata().getName())) {
                deleted++;
                LOG.info("Node {}: cancel: deleted migration {}/{} of {}", name, m.getMetadata().getNamespace(),
                        m.getMetadata().getName(), m.vmiName());
            }
        }
        if (!Names.CANCELLED.equals(state) || deleted > 0) {
            LOG.info("Node {}: evacuation cancelled ({} annotation); {} migration(s) of ours stopped, none will start",
                    name, Names.CANCEL, deleted);
            status.update(name, Names.CANCELLED, s -> s.withCounts(0, 0, s.failed(), 0).withEta(null));
        }
        return NodePlan.nothing(request, Names.CANCELLED);
    }

    /**
     * Every VM of the node and what to do now.
     *
     * @param fixedState the state to report instead of the computed one (dry run), or null
     */
    NodePlan plan(DrainRequest request, String drainId, String fixedState) {
        String name = request.nodeName();
        String drainKey = DrainMarks.drainKey(name, drainId);
        Instant now = clock.instant();
        List<VirtualMachineInstance> running = new ArrayList<>();
        List<String> notRunning = new ArrayList<>();
        Map<String, String> shuttingDown = new LinkedHashMap<>();
        Set<String> notRunningKeys = new HashSet<>();
        for (VirtualMachineInstance v : view.vmisOn(name)) {
            if (v.nodeName().map(n -> !n.equals(name)).orElse(false)) {
                continue; // moved: its label has not caught up yet
            }
            if (v.getMetadata().getDeletionTimestamp() != null) {
                // its guest still runs here until the VMI is gone (KubeVirt's grace period: often minutes)
                shuttingDown.put(key(v), key(v) + " (" + (v.phase().isEmpty() ? "no phase" : v.phase()) + ")");
                notRunningKeys.add(key(v));
            }
            if ("Running".equals(v.phase())) {
                running.add(v);
            } else if (!"Succeeded".equals(v.phase()) && !"Failed".equals(v.phase())
                    && v.getMetadata().getDeletionTimestamp() == null) {
                notRunning.add(v.getMetadata().getNamespace() + "/" + v.getMetadata().getName()
                        + " (" + (v.phase().isEmpty() ? "no phase" : v.phase()) + ")");
                notRunningKeys.add(key(v));
            }
        }
        Optional<HarvesterUpgrade> upgrade = HarvesterUpgrade.running(view.harvesterUpgrades());
        UpgradeMode.Decision mode = UpgradeMode.decide(settings.harvesterConductor,
                upgrade.isPresent() ? view.harvesterVersion() : Optional.empty(), upgrade);
        Map<String, String> risk = new HashMap<>();
        if (mode.mode() == UpgradeMode.Mode.HOOK) {
            // beside Harvester's pre-drain job: what it would stop must move first, the repo VM first of all
            int minor = UpgradeMode.minor(view.harvesterVersion().orElse(upgrade.get().version()));
            List<Node> all = view.nodes();
            for (VirtualMachineInstance v : running) {
                HarvesterRisk.stopReason(v, minor, all).ifPresent(r -> risk.put(key(v),
                        "Harvester's pre-drain job (" + (minor < 0 ? "unknown release" : "v1." + minor)
                                + ") would stop it: " + r));
            }
        }
        running.sort(java.util.Comparator.<VirtualMachineInstance, Boolean>comparing(v -> !VmiOrder.isUpgradeRepo(v))
                .thenComparing(v -> !risk.containsKey(key(v))).thenComparing(order.comparator()));

        Optional<KubeVirt> kubeVirt = view.kubeVirt();
        boolean steer = TargetSteering.enabled(settings.targetSteering, kubeVirt);
        List<Node> nodes = view.nodes();
        Set<String> draining = drainingNodes(name);
        Map<String, String> nodesByHostname = TargetSteering.nodesByHostname(nodes);
        Map<String, Long> free = freeMemory(name, nodes, draining);
        // during an upgrade: upgraded nodes first, else the node upgraded last, so each VM moves as few times as it can
        List<String> upgradeOrder = upgrade.isPresent() ? io.drainpilot.plan.UpgradeOrder.of(view.planSecrets(), nodes)
                : List.of();
        PlanInputs inputs = new PlanInputs(draining, free, upgradedNodes(upgrade), settings.respectEvictionStrategyNone, steer,
                CpuVendorRule.applies(kubeVirt), arrivingMemory(name, free.keySet(), nodesByHostname), upgradeOrder);
        Function<Node, CpuLabels> cpu = this::cpuLabels;
        Node source = request.node();
        // once per evaluation: the nodes in the order targets are preferred; each VM looks only as far as it must
        List<Node> ranked = EvacuationPlanner.rank(nodes, inputs);

        List<VmWork> vms = new ArrayList<>(running.size());
        // the inputs as this pass's earlier VMs leave them (their memory arriving on their targets)
        PlanInputs passing = inputs;
        for (VirtualMachineInstance vmi : running) {
            String ns = vmi.getMetadata().getNamespace();
            String vmiName = vmi.getMetadata().getName();
            Optional<VirtualMachine> vm = view.labelledVm(ns, vmiName);
            String fallback = fallbackOf(vmi, vm.orElse(null));
            List<VirtualMachineInstanceMigration> migrations = view.migrationsOfVmi(ns, vmiName);
            Triage.Result t = Triage.of(new Triage.Facts(vmi, vm.map(v -> "true".equals(label(v, Names.SKIP))).orElse(false),
                    migrations, name, drainId, fallback, now));
            if (t.state() == VmState.SKIPPED && vmi.nodeName().isEmpty()) {
                problems.report(vmi, "has label " + KubeVirtNames.LABEL_NODE_NAME
                        + " but no status.nodeName; left alone until KubeVirt reports where it runs");
            }
            DrainMarks marks = DrainMarks.of(vmi, drainKey);
            int attempt = Math.max(marks.attempts(), lastAttempt(migrations, drainId)) + 1;
            if (t.state() != VmState.PLANNED) {
                vms.add(new VmWork(name, drainKey, vmi, t.state(), null, t.note(), fallback, null, attempt,
                        risk.get(key(vmi))));
                continue;
            }
            if (CpuRequirement.of(vmi).noCpuSection()) {
                problems.report(vmi, "has no spec.domain.cpu.model: planned as KubeVirt's default, host-model, which"
                        + " can only move to nodes of the same CPU generation; set a named model to move freely");
            }
            // each VM planned to move takes its memory from its target's room before the next VM is planned
            EvacuationPlanner.Step step = PLANNER.planInOrder(vmi, launcherCpu(name, vmi), source, ranked, cpu,
                    passing, TARGETS_CONSIDERED, marks.failedTargets());
            Decision decision = step.decision();
            passing = step.next();
            vms.add(new VmWork(name, drainKey, vmi, VmState.PLANNED, decision, null, fallback, null, attempt,
                    risk.get(key(vmi))));
        }

        // the caps, against everything in flight in the cluster (ours, KubeVirt's, anyone's)
        InFlightMigrations inFlight = InFlightMigrations.of(view.migrations(), nodesByHostname);
        List<SlotBudget.Candidate> candidates = vms.stream()
                .filter(v -> v.decision() instanceof Decision.Migrate)
                .map(v -> new SlotBudget.Candidate(v.key(), ((Decision.Migrate) v.decision()).rankedTargets(),
                        VmiMemory.bytes(v.vmi()).orElse(0L)))
                .toList();
        Map<String, SlotBudget.Slot> slots = new LinkedHashMap<>();
        SlotBudget.assign(MigrationLimits.of(settings, kubeVirt), inFlight, name, steer, candidates, inputs.roomBytes())
                .forEach(s -> slots.put(s.vmKey(), s));
        List<VmWork> planned = new ArrayList<>(vms.size());
        List<VmWork> toStart = new ArrayList<>();
        List<RecoveryCase> toRecover = new ArrayList<>();
        for (VmWork v : vms) {
            SlotBudget.Slot slot = slots.get(v.key());
            if (slot != null) {
                v = slot.starts() ? v.with(VmState.STARTING, null, slot.target()) : v.with(VmState.QUEUED, slot.waitReason(), null);
                if (slot.starts()) {
                    toStart.add(v);
                }
            } else if (v.state() == VmState.PLANNED) {
                toRecover.add(v.recoveryCase());
            }
            planned.add(v);
        }
        List<String> incoming = view.migrations().stream()
                .filter(m -> !m.phase().isFinal() && name.equals(InFlightMigrations.targetOf(m, nodesByHostname).orElse(null)))
                .map(m -> m.getMetadata().getNamespace() + "/" + m.getMetadata().getName()).toList();
        Map<String, Outcome> counted = new HashMap<>(NodeStatus.outcomesOf(DrainSignals.annotations(request.node())));
        counted.putAll(status.noted(name));
        List<String> unsettled = view.migrationsFrom(name).stream()
                .filter(m -> Triage.isOurs(m) ? drainId.equals(label(m, Bookkeeping.MIGRATION_DRAIN))
                        && !(m.phase() == io.drainpilot.kubevirt.MigrationPhase.SUCCEEDED
                        && counted.get(m.getMetadata().getNamespace() + "/" + m.vmiName()) == Outcome.MIGRATED)
                        : !m.phase().isFinal())
                .map(m -> m.getMetadata().getNamespace() + "/" + m.getMetadata().getName()).toList();
        List<String> holds = ReleaseRule.holds(planned, notRunning, othersShuttingDown(shuttingDown, planned), incoming, unsettled,
                request.rancherHook() != null && request.rancherHook().announced());
        boolean blocked = planned.stream().anyMatch(ReleaseRule::heldByBlock);
        String state = fixedState != null ? fixedState : blocked ? Names.BLOCKED : Names.IN_PROGRESS;
        boolean releasable = fixedState == null && holds.isEmpty() && toStart.isEmpty() && toRecover.isEmpty();
        List<Alert> notices = fixedState == null ? vanished(name, drainKey, planned, notRunningKeys, upgrade, mode)
                : List.of();
        return new NodePlan(request, state, planned, toStart, toRecover, releasable, holds, notices);
    }

    /**
     * VMs this drain saw on the node that are gone now without an outcome (no migration of anyone's took them):
     * stopped by Harvester's pre-drain job (recorded, told, never restarted by DrainPilot: Harvester starts its own
     * VMs again), moved or deleted by someone else. Remembered in memory: after a restart only VMs seen since count.
     */
    private List<Alert> vanished(String node, String drainKey, List<VmWork> vms, Set<String> notRunning,
            Optional<HarvesterUpgrade> upgrade, UpgradeMode.Decision mode) {
        Set<String> seen = seenByDrain.computeIfAbsent(drainKey, k -> ConcurrentHashMap.newKeySet());
        seenByDrain.keySet().removeIf(k -> k.startsWith(node + "/") && !k.equals(drainKey));
        Set<String> here = new HashSet<>(notRunning);
        vms.stream().filter(v -> v.state() != VmState.SKIPPED).forEach(v -> here.add(v.key()));
        List<Alert> notices = new ArrayList<>();
        Map<String, Outcome> outcomes = null;
        for (String key : new ArrayList<>(seen)) {
            if (here.contains(key)) {
                continue;
            }
            String ns = key.substring(0, key.indexOf('/'));
            String vm = key.substring(key.indexOf('/') + 1);
            if (view.migrationsOfVmi(ns, vm).stream().anyMatch(m -> !m.phase().isFinal() || Triage.isOurs(m))) {
                continue; // a migration still says where it went: the await stage settles it
            }
            if (outcomes == null) {
                outcomes = new HashMap<>(NodeStatus.outcomesOf(view.node(node).map(DrainSignals::annotations).orElse(Map.of())));
                outcomes.putAll(status.noted(node));
            }
            seen.remove(key);
            if (outcomes.containsKey(key)) {
                continue;
            }
            Optional<VirtualMachineInstance> now = api.vmi(ns, vm);
            if (now.isPresent() && now.get().nodeName().map(n -> !n.equals(node)).orElse(false)) {
                status.recordIfAbsent(node, key, Outcome.MIGRATED);
                continue;
            }
            Optional<VirtualMachine> owner = api.vm(ns, vm);
            boolean stoppedByUs = owner.map(o -> o.getMetadata().getAnnotations()).map(a -> a.get(Bookkeeping.STOPPED_FOR_NODE))
                    .map(node::equals).orElse(false);
            if (stoppedByUs) {
                status.recordIfAbsent(node, key, Outcome.SHUTDOWN_RESTART);
                continue;
            }
            boolean byHarvester = upgrade.isPresent() && owner.isPresent() && now.isEmpty()
                    && !upgrade.get().notStarted(node);
            Outcome o = byHarvester ? Outcome.STOPPED_BY_HARVESTER : Outcome.GONE;
            status.recordIfAbsent(node, key, o);
            notices.add(byHarvester
                    ? Alert.of(Alert.WARNING, node, ns, vm, "StoppedByHarvester", "Harvester's pre-drain job stopped it"
                            + " before it could move (" + mode.mode().wire() + " mode); Harvester starts it again after"
                            + " the node's upgrade", 0, "none")
                    : Alert.of(Alert.INFO, node, ns, vm, "Gone", "its VMI left the node without a migration (stopped or"
                            + " deleted by someone else)", 0, "none"));
        }
        seen.addAll(here);
        return notices;
    }

    /** VMIs being deleted that DrainPilot did not stop: its own are counted from their state. */
    private static List<String> othersShuttingDown(Map<String, String> shuttingDown, List<VmWork> planned) {
        Set<String> ours = new HashSet<>();
        planned.stream().filter(ReleaseRule::stoppedNotGone).forEach(v -> ours.add(v.key()));
        return shuttingDown.entrySet().stream().filter(e -> !ours.contains(e.getKey())).map(Map.Entry::getValue).toList();
    }

    private static String key(VirtualMachineInstance v) {
        return v.getMetadata().getNamespace() + "/" + v.getMetadata().getName();
    }

    /**
     * Each VM's migration under way (phase, target, times, deadline) and the estimated end of the node's evacuation
     * ({@link EtaEstimate}): the VMs under way and those waiting to start, at the rates finished migrations have shown
     * (the node's Succeeded ones still in the view are added to them first), in as many lanes as the caps give the
     * node: the outbound cap, or its share of the cluster-wide cap when several nodes drain.
     */
    StatusBoard.Live live(NodePlan plan) {
        String node = plan.node();
        Instant now = clock.instant();
        List<VirtualMachineInstanceMigration> outOfNode = view.migrationsFrom(node);
        // a steered migration's target is read back from its hostname label: only needed while there are migrations
        boolean anyMigration = !outOfNode.isEmpty() || plan.vms().stream().anyMatch(v -> v.state().inFlight());
        Map<String, String> byHostname = anyMigration ? TargetSteering.nodesByHostname(view.nodes()) : Map.of();
        String drainId = DrainSignals.annotations(plan.request().node()).get(Bookkeeping.DRAIN_ID);
        for (VirtualMachineInstanceMigration m : outOfNode) {
            if (m.phase() == io.drainpilot.kubevirt.MigrationPhase.SUCCEEDED) {
                Optional<VirtualMachineInstance> vmi = view.vmi(m.getMetadata().getNamespace(), m.vmiName());
                MigrationTimes.toSucceeded(m).ifPresent(d -> rates.record(new TransferRates.Sample(
                        m.getMetadata().getNamespace() + "/" + m.getMetadata().getName(), node,
                        InFlightMigrations.targetOf(m, byHostname).orElse(null),
                        vmi.flatMap(v -> boxed(VmiMemory.bytes(v))).orElse(0L), d,
                        MigrationTimes.toRunning(m).orElse(null))));
            }
        }
        Map<String, StatusBoard.MigrationLine> lines = new HashMap<>();
        List<EtaEstimate.Move> moves = new ArrayList<>();
        for (VmWork w : plan.vms()) {
            long bytes = VmiMemory.bytes(w.vmi()).orElse(0L);
            switch (w.state()) {
                case MIGRATING, ADOPTED, SETTLING -> {
                    Optional<VirtualMachineInstanceMigration> current = view.migrationsOfVmi(w.namespace(), w.name())
                            .stream().filter(m -> w.state() == VmState.SETTLING ? Triage.isOurs(m)
                                    && drainId != null && drainId.equals(label(m, Bookkeeping.MIGRATION_DRAIN))
                                    : !m.phase().isFinal())
                            .findFirst();
                    if (current.isEmpty()) {
                        continue;
                    }
                    VirtualMachineInstanceMigration m = current.get();
                    String target = InFlightMigrations.targetOf(m, byHostname).orElse(null);
                    Instant created = MigrationTimes.created(m);
                    Instant deadline = Triage.isOurs(m) && !m.phase().isFinal()
                            ? MigrationDeadline.at(m.phase(), created,
                                    MigrationTimes.entered(m, io.drainpilot.kubevirt.MigrationPhase.RUNNING).orElse(null),
                                    VmiMemory.bytes(w.vmi()), settings.deadlineBeforeRunning,
                                    settings.deadlineRunningBase, settings.deadlineRunningPerGiB)
                            : null;
                    lines.put(w.key(), new StatusBoard.MigrationLine(m.getMetadata().getName(), m.phase().wire(),
                            target, created, deadline));
                    if (w.state().inFlight()) {
                        rates.remember(w.namespace() + "/" + m.getMetadata().getName(), bytes);
                        moves.add(EtaEstimate.Move.inFlight(w.key(), bytes, target,
                                java.time.Duration.between(created, now)));
                    }
                }
                case STARTING, QUEUED, WAITING -> moves.add(EtaEstimate.Move.queued(w.key(), bytes, w.target()));
                default -> {
                }
            }
        }
        MigrationLimits limits = MigrationLimits.of(settings, view.kubeVirt());
        int lanes = Math.min(limits.outboundPerNode(), Math.max(1, limits.cluster() / Math.max(1, draining.get().size())));
        Optional<EtaEstimate.Estimate> eta = EtaEstimate.estimate(node, moves, rates.history(), lanes);
        return new StatusBoard.Live(Map.copyOf(lines), eta.map(e -> now.plusSeconds(e.seconds())).orElse(null),
                eta.map(e -> e.basis().wire()).orElse(null));
    }

    private static Optional<Long> boxed(java.util.OptionalLong v) {
        return v.isPresent() ? Optional.of(v.getAsLong()) : Optional.empty();
    }

    /**
     * The node's summary and state; the release itself is the route's own step.
     *
     * @param etaSeconds the estimated time left, or null
     */
    private void writeStatus(NodePlan plan, Long etaSeconds) {
        int pending = (int) plan.vms().stream().filter(v -> v.state().pending()).count();
        int blocked = (int) plan.vms().stream().filter(ReleaseRule::heldByBlock).count();
        Set<String> everyVm = new TreeSet<>();
        plan.vms().stream().filter(v -> v.state() != VmState.SKIPPED).forEach(v -> everyVm.add(v.key()));
        Map<String, Outcome> outcomes = new HashMap<>(NodeStatus.outcomesOf(DrainSignals.annotations(plan.request().node())));
        outcomes.putAll(status.noted(plan.node()));
        // in flight: the VMs with a migration under way, and those already gone whose migration is not counted yet
        // (a VM in transit is never missing from every count)
        Set<String> inFlight = new TreeSet<>();
        plan.vms().stream().filter(v -> v.state().inFlight()).forEach(v -> inFlight.add(v.key()));
        String drainId = DrainSignals.annotations(plan.request().node()).get(Bookkeeping.DRAIN_ID);
        for (VirtualMachineInstanceMigration m : view.migrationsFrom(plan.node())) {
            String vm = m.getMetadata().getNamespace() + "/" + m.vmiName();
            boolean ours = Triage.isOurs(m) && drainId != null && drainId.equals(label(m, Bookkeeping.MIGRATION_DRAIN));
            if ((ours || !m.phase().isFinal()) && !outcomes.containsKey(vm) && !everyVm.contains(vm)) {
                inFlight.add(vm);
            }
        }
        everyVm.addAll(inFlight);
        // a VM the shutdown-restart fallback stopped for this node counts even if recording it was cut short
        for (VirtualMachine vm : view.vmsLabelled(Bookkeeping.STOPPED)) {
            String key = vm.getMetadata().getNamespace() + "/" + vm.getMetadata().getName();
            Map<String, String> a = vm.getMetadata().getAnnotations();
            if (a != null && plan.node().equals(a.get(Bookkeeping.STOPPED_FOR_NODE)) && !outcomes.containsKey(key)) {
                status.recordIfAbsent(plan.node(), key, Outcome.SHUTDOWN_RESTART);
                outcomes.put(key, Outcome.SHUTDOWN_RESTART);
            }
        }
        everyVm.addAll(outcomes.keySet());
        // counts alone wait for the quiet period; a new state, and a node about to be released, are written now
        boolean now = !plan.state().equals(DrainSignals.annotations(plan.request().node()).get(Names.EVACUATION))
                || plan.releasable();
        int again = movedAgain(plan.node(), outcomes);
        status.update(plan.node(), plan.state(), s -> s.withCounts(pending, inFlight.size(), blocked, everyVm.size())
                .withEta(etaSeconds).withMovedAgain(again), now);
    }

    /**
     * How many VMs migrated off {@code node} in this drain DrainPilot had migrated off another node of the running
     * upgrade already; the board gets the upgrade's whole count. The upgrade's nodes: those it has started, and those
     * DrainPilot is draining now (a paused node is evacuated before its upgrade starts).
     */
    private int movedAgain(String node, Map<String, Outcome> outcomes) {
        Optional<HarvesterUpgrade> upgrade = HarvesterUpgrade.running(view.harvesterUpgrades());
        if (upgrade.isEmpty()) {
            board.movedAgain(0);
            return 0;
        }
        Map<String, Set<String>> migratedOff = new HashMap<>();
        for (Node n : view.nodes()) {
            String name = n.getMetadata().getName();
            Map<String, String> ann = DrainSignals.annotations(n);
            if (name.equals(node) || !upgrade.get().notStarted(name) || ann.get(Names.EVACUATION) != null) {
                Map<String, Outcome> o = name.equals(node) ? outcomes : NodeStatus.outcomesOf(ann);
                migratedOff.put(name, migrated(o));
            }
        }
        Set<String> again = io.drainpilot.plan.MovedAgain.of(migratedOff);
        board.movedAgain(again.size());
        return (int) migrated(outcomes).stream().filter(again::contains).count();
    }

    private static Set<String> migrated(Map<String, Outcome> outcomes) {
        Set<String> out = new HashSet<>();
        outcomes.forEach((vm, o) -> {
            if (o == Outcome.MIGRATED) {
                out.add(vm);
            }
        });
        return out;
    }

    /** Nodes being drained now (any signal): never targets. */
    private Set<String> drainingNodes(String self) {
        Set<String> out = new HashSet<>(draining.get());
        out.add(self);
        return out;
    }

    /**
     * Free memory (allocatable minus what the VMIs there ask for) of the {@link #MEMORY_CANDIDATES} schedulable,
     * non-draining nodes with the most allocatable memory: the targets the ranking can prefer. Their VMIs are watched
     * while the drain runs. Other nodes stay unknown, which the planner ranks after the known ones but never rejects.
     */
    private Map<String, Long> freeMemory(String drainingNode, List<Node> nodes, Set<String> draining) {
        Map<String, Long> allocatable = new LinkedHashMap<>(); // node order breaks ties
        nodes.stream()
                .filter(n -> !draining.contains(n.getMetadata().getName()))
                .filter(n -> n.getSpec() == null || !Boolean.TRUE.equals(n.getSpec().getUnschedulable()))
                .filter(NodeTaints::ready)
                .forEach(n -> allocatable.put(n.getMetadata().getName(), allocatableMemory(n)));

        List<String> chosen = allocatable.entrySet().stream().filter(e -> e.getValue() > 0)
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(MEMORY_CANDIDATES)
                .map(Map.Entry::getKey).toList();
        memoryWatches.put(drainingNode, Set.copyOf(chosen));
        Map<String, Long> free = new HashMap<>();
        for (String n : chosen) {
            long used = view.vmisOn(n).stream().mapToLong(v -> VmiMemory.bytes(v).orElse(0L)).sum();
            free.put(n, allocatable.get(n) - used);
        }
        return free;
    }

    /**
     * Per measured node, the memory requests of the VMIs on their way there: every migration not finished (anyone's)
     * whose target it is, and whose VMI is not there yet. A VMI on a node not watched yet is looked up by watching its
     * source node for as long as the drain runs.
     */
    private Map<String, Long> arrivingMemory(String drainingNode, Set<String> measured, Map<String, String> nodesByHostname) {
        Map<String, Long> arriving = new HashMap<>();
        Set<String> sources = new HashSet<>();
        for (VirtualMachineInstanceMigration m : view.migrations()) {
            if (m.phase().isFinal()) {
                continue;
            }
            String target = InFlightMigrations.targetOf(m, nodesByHostname).orElse(null);
            if (target == null || !measured.contains(target)) {
                continue;
            }
            String ns = m.getMetadata().getNamespace();
            Optional<VirtualMachineInstance> vmi = view.vmi(ns, m.vmiName());
            String source = InFlightMigrations.sourceOf(m).orElse(null);
            if (vmi.isEmpty() && source != null) {
                sources.add(source);
                vmi = view.vmisOn(source).stream().filter(v -> m.vmiName().equals(v.getMetadata().getName())
                        && ns.equals(v.getMetadata().getNamespace())).findFirst();
            }
            if (vmi.isPresent() && !vmi.get().nodeName().map(target::equals).orElse(false)) {
                arriving.merge(target, VmiMemory.bytes(vmi.get()).orElse(0L), Long::sum);
            }
        }
        if (!sources.isEmpty()) {
            Set<String> watched = new HashSet<>(memoryWatches.getOrDefault(drainingNode, Set.of()));
            watched.addAll(sources);
            memoryWatches.put(drainingNode, Set.copyOf(watched));
        }
        return arriving;
    }

    /** Each node's allocatable memory, parsed once per version of the node. */
    private long allocatableMemory(Node n) {
        String rv = n.getMetadata().getResourceVersion();
        ParsedMemory p = memoryByNode.get(n.getMetadata().getName());
        if (p == null || !java.util.Objects.equals(p.resourceVersion(), rv)) {
            Quantity q = n.getStatus() == null || n.getStatus().getAllocatable() == null ? null
                    : n.getStatus().getAllocatable().get("memory");
            p = new ParsedMemory(rv, q == null ? 0 : Quantity.getAmountInBytes(q).longValue());
            memoryByNode.put(n.getMetadata().getName(), p);
        }
        return p.bytes();
    }

    /**
     * Nodes whose part of the running Harvester upgrade has succeeded (finished upgrades do not count), and those whose
     * node upgrade has begun: their drain in this upgrade is behind them, so a VM sent there (once uncordoned) stays.
     */
    private Set<String> upgradedNodes(Optional<HarvesterUpgrade> upgrade) {
        Set<String> out = new HashSet<>(io.drainpilot.plan.UpgradedNodes.of(view.harvesterUpgrades()));
        upgrade.ifPresent(u -> u.nodeStates().keySet().stream().filter(n -> !u.notStarted(n)).forEach(out::add));
        return out;
    }

    private CpuLabels cpuLabels(Node n) {
        String key = n.getMetadata().getName();
        String rv = n.getMetadata().getResourceVersion();
        ParsedCpu p = cpuByNode.get(key);
        if (p == null || !java.util.Objects.equals(p.resourceVersion(), rv)) {
            CpuLabels parsed = CpuLabels.of(n);
            // odd node-labeller labels would make a target look wrong: say so once, plan with what is readable
            parsed.problems().forEach(problem -> problems.report(n, problem));
            p = new ParsedCpu(rv, parsed);
            cpuByNode.put(key, p);
        }
        return p.labels();
    }

    /**
     * For a host-model VMI, the CPU selectors of its Running virt-launcher pod on this node (KubeVirt carries them to
     * every later migration target); other CPU modes do not need the pod. A pod the watch does not show (it lags the
     * VMI's) is planned with the node's labels, as a VMI that never migrated, and said so.
     */
    private LauncherCpu launcherCpu(String node, VirtualMachineInstance vmi) {
        if (CpuRequirement.of(vmi).mode() != CpuMode.HOST_MODEL) {
            return LauncherCpu.UNKNOWN;
        }
        Optional<Pod> pod = view.launcherPod(node, vmi.getMetadata().getUid());
        if (pod.isEmpty()) {
            problems.report(vmi, "no Running virt-launcher pod (" + KubeVirtNames.LABEL_CREATED_BY + "="
                    + vmi.getMetadata().getUid() + ") seen on " + node + ": its host-model targets are planned with "
                    + node + "'s labels, as if it had never migrated");
            return LauncherCpu.UNKNOWN;
        }
        return LauncherCpu.of(pod.get().getSpec().getNodeSelector());
    }

    /** The highest attempt number among our migrations of this VMI in this drain (their label says it). */
    private static int lastAttempt(List<VirtualMachineInstanceMigration> migrations, String drainId) {
        int last = 0;
        for (VirtualMachineInstanceMigration m : migrations) {
            if (Triage.isOurs(m) && drainId.equals(label(m, Bookkeeping.MIGRATION_DRAIN))) {
                try {
                    last = Math.max(last, Integer.parseInt(label(m, Bookkeeping.MIGRATION_ATTEMPT)));
                } catch (NumberFormatException | NullPointerException e) {
                    // not ours to count
                }
            }
        }
        return last;
    }

    /** The VM's fallback policy: VMI label, else VM label, else the configured default; bad values reported. */
    private String fallbackOf(VirtualMachineInstance vmi, VirtualMachine vm) {
        String value = vmi.label(Names.FALLBACK);
        if (value == null && vm != null) {
            value = label(vm, Names.FALLBACK);
        }
        if (value == null) {
            return settings.defaultFallback;
        }
        if (!Settings.FALLBACKS.contains(value)) {
            problems.report(vmi, "label " + Names.FALLBACK + "=\"" + value + "\" is not a fallback policy (allowed: "
                    + String.join(", ", Settings.FALLBACKS.stream().sorted().toList()) + "); using the default "
                    + settings.defaultFallback);
            return settings.defaultFallback;
        }
        return value;
    }

    private void logIfChanged(NodePlan plan) {
        String text = plan.describe();
        if (!text.equals(lastLoggedPlan.put(plan.node(), text))) {
            LOG.info("{}", text);
        }
    }

    /** Short, unique enough per node: drains of one node are minutes apart, and marks also name the node. */
    static String newDrainId() {
        String alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
        StringBuilder sb = new StringBuilder(6);
        for (int i = 0; i < 6; i++) {
            sb.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    private static String label(io.fabric8.kubernetes.api.model.HasMetadata o, String key) {
        return o.getMetadata().getLabels() == null ? null : o.getMetadata().getLabels().get(key);
    }
}
