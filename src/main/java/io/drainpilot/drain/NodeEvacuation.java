package io.drainpilot.drain;

import io.drainpilot.names.Bookkeeping;
import io.drainpilot.names.Names;
import io.drainpilot.alert.ProblemReporter;
import io.drainpilot.config.Settings;
import io.drainpilot.cpu.CpuRequirement;
import io.drainpilot.kubevirt.ClusterApi;
import io.drainpilot.kubevirt.VirtualMachine;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.kubevirt.VirtualMachineInstanceMigration;
import io.drainpilot.migrate.AdoptedMigrations;
import io.drainpilot.observe.StatusBoard;
import io.drainpilot.plan.Decision;
import io.drainpilot.plan.EvacuationPlanner;
import io.drainpilot.plan.PlanInputs;
import io.drainpilot.plan.VmiOrder;
import io.fabric8.kubernetes.api.model.Node;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * The evacuate-node stage for one node: starts a new drain (fresh bookkeeping), honours cancel, sorts the
 * node's VMIs into what is in flight, settled, waiting or to be planned, plans the rest, writes the node's
 * status, and releases the drain once nothing is left to move. Everything is recomputed from the cluster
 * each scan; nothing here depends on memory of earlier scans except what is only logged.
 */
public class NodeEvacuation {
    private static final Logger LOG = LoggerFactory.getLogger(NodeEvacuation.class);

    private static final EvacuationPlanner PLANNER = new EvacuationPlanner();

    private final ClusterApi api;
    private final Settings settings;
    private final ProblemReporter problems;
    private final DrainRelease release;
    private final NodeStatus status;
    private final StatusBoard board;
    private final AdoptedMigrations adopted;
    private final Map<String, String> lastLoggedPlan = new ConcurrentHashMap<>();

    public NodeEvacuation(ClusterApi api, Settings settings, ProblemReporter problems, StatusBoard board,
            AdoptedMigrations adopted) {
        this.api = api;
        this.adopted = adopted;
        this.board = board;
        this.settings = settings;
        this.problems = problems;
        this.status = new NodeStatus(api);
        this.release = new DrainRelease(api, settings, status);
    }

    /** The node's plan for this scan; a cancelled or finished node gets an empty one. */
    public NodePlan evaluate(DrainRequest request) {
        Node node = request.node();
        String name = request.nodeName();
        String state = annotations(node).get(Names.EVACUATION);

        if (request.cancel()) {
            NodePlan cancelled = cancel(request, state);
            board.update(cancelled, Names.CANCELLED);
            return cancelled;
        }
        if (Names.COMPLETED.equals(state) && (request.rancherHook() == null || request.rancherHook().released())) {
            NodePlan done = new NodePlan(request, Names.COMPLETED, List.of());
            board.update(done, Names.COMPLETED);
            return done;
        }
        if (settings.dryRun) {
            // plan only: report what would happen, start nothing, write nothing
            NodePlan plan = new NodePlan(request, "dry run", sortVmis(request));
            logIfChanged(plan);
            board.update(plan, "DryRun");
            return new NodePlan(request, plan.state(), List.of());
        }
        if (state == null || Names.CANCELLED.equals(state) || Names.COMPLETED.equals(state)) {
            startDrain(request);
        }

        List<VmWork> vms = sortVmis(request);
        NodePlan plan = new NodePlan(request, nodeState(vms), vms);
        logIfChanged(plan);
        board.update(plan, writeStatus(plan));
        return plan;
    }

    private NodePlan cancel(DrainRequest request, String state) {
        String name = request.nodeName();
        int deleted = 0;
        for (VirtualMachineInstanceMigration m : api.migrationsLabelled(Names.SOURCE_NODE, name)) {
            if (!m.phase().isFinal() && Names.MANAGED_BY_VALUE.equals(label(m, Names.MANAGED_BY))
                    && api.deleteMigration(m.getMetadata().getNamespace(), m.getMetadata().getName())) {
                deleted++;
                LOG.info("Node {}: cancel: deleted migration {}/{} of {}", name, m.getMetadata().getNamespace(),
                        m.getMetadata().getName(), m.vmiName());
            }
        }
        if (!Names.CANCELLED.equals(state) || deleted > 0) {
            LOG.info("Node {}: evacuation cancelled ({} annotation); {} migration(s) of ours stopped, none will start",
                    name, Names.CANCEL, deleted);
            status.update(name, Names.CANCELLED, s -> s.withCounts(0, 0, s.failed(), 0));
        }
        return new NodePlan(request, Names.CANCELLED, List.of());
    }

    /** A new drain: forget the last drain's attempts, fallbacks and failed targets on this node's VMIs. */
    private void startDrain(DrainRequest request) {
        String name = request.nodeName();
        LOG.info("Node {}: drain requested by {}; evacuation starts", name, String.join(", ", request.signals()));
        for (VirtualMachineInstance vmi : api.vmisOnNode(name)) {
            Map<String, String> a = vmi.getMetadata().getAnnotations();
            if (a != null && Arrays.asList(Names.ATTEMPTS, Bookkeeping.SETTLED, Bookkeeping.FAILED_TARGETS,
                    Bookkeeping.RETRY_AFTER).stream().anyMatch(a::containsKey)) {
                Map<String, String> clear = new HashMap<>();
                clear.put(Names.ATTEMPTS, null);
                clear.put(Bookkeeping.SETTLED, null);
                clear.put(Bookkeeping.FAILED_TARGETS, null);
                clear.put(Bookkeeping.RETRY_AFTER, null);
                api.annotateVmi(vmi.getMetadata().getNamespace(), vmi.getMetadata().getName(), clear);
            }
        }
        api.annotateNode(name, Map.of(Names.EVACUATION, Names.IN_PROGRESS,
                Names.EVACUATION_SUMMARY, EvacuationSummary.started(now()).toJson()));
    }

    private List<VmWork> sortVmis(DrainRequest request) {
        String name = request.nodeName();
        ScanContext ctx = request.context();
        // migrations first, VMIs second: a VMI seen on this node then has its finished migration in view too
        ctx.inFlight();
        List<VirtualMachineInstance> vmis = new ArrayList<>(api.vmisOnNode(name, settings.vmSelector));
        vmis.removeIf(v -> !"Running".equals(v.phase()));
        vmis.sort(VmiOrder.parse(settings.vmOrder).comparator());
        PlanInputs inputs = new PlanInputs(ctx.drainingNodes(), ctx.freeMemory(), ctx.upgradedNodes(),
                settings.respectEvictionStrategyNone);
        // odd node-labeller labels would make a target look wrong: say so once, plan with what is readable
        ctx.nodes().forEach(n -> ctx.cpuLabels().apply(n).problems().forEach(p -> problems.report(n, p)));

        List<VmWork> out = new ArrayList<>();
        for (VirtualMachineInstance vmi : vmis) {
            out.add(classify(name, request.node(), vmi, ctx, inputs));
        }
        return out;
    }

    private VmWork classify(String node, Node source, VirtualMachineInstance vmi, ScanContext ctx, PlanInputs inputs) {
        String ns = vmi.getMetadata().getNamespace();
        String vmiName = vmi.getMetadata().getName();
        if ("true".equals(vmi.label(Names.SKIP))) {
            return new VmWork(node, vmi, VmWork.State.SKIPPED, null, "labelled " + Names.SKIP, null, ctx);
        }
        if (vmi.nodeName().isEmpty()) {
            problems.report(vmi, "has label " + io.drainpilot.kubevirt.KubeVirtNames.LABEL_NODE_NAME
                    + " but no status.nodeName; left alone until KubeVirt reports where it runs");
            return new VmWork(node, vmi, VmWork.State.SKIPPED, null, "no status.nodeName", null, ctx);
        }
        Optional<VirtualMachineInstanceMigration> inFlight = ctx.inFlight().forVmi(ns, vmiName);
        if (inFlight.isPresent()) {
            VirtualMachineInstanceMigration m = inFlight.get();
            boolean ours = Names.MANAGED_BY_VALUE.equals(label(m, Names.MANAGED_BY));
            if (!ours) {
                adopted.adopt(ns, m.getMetadata().getName(), vmiName, node);
            }
            return new VmWork(node, vmi, VmWork.State.IN_FLIGHT, null, (ours ? "" : "adopted ") + "migration "
                    + m.getMetadata().getName(), null, ctx);
        }
        String retryAfter = vmi.annotation(Bookkeeping.RETRY_AFTER);
        if (retryAfter != null && parseInstant(retryAfter).map(t -> t.isAfter(Instant.now())).orElse(false)) {
            return new VmWork(node, vmi, VmWork.State.WAITING, null, "retry after " + retryAfter, null, ctx);
        }
        // only VMs that may need a decision cost a read of their VirtualMachine (its labels count too)
        Optional<VirtualMachine> vm = api.vm(ns, vmiName);
        if (vm.map(v -> v.getMetadata().getLabels()).map(l -> "true".equals(l.get(Names.SKIP))).orElse(false)) {
            return new VmWork(node, vmi, VmWork.State.SKIPPED, null, "VM labelled " + Names.SKIP, null, ctx);
        }
        String fallback = fallbackOf(vmi, vm.orElse(null));
        String settled = vmi.annotation(Bookkeeping.SETTLED);
        // a held VM whose owner has since chosen another fallback is decided again
        if (settled != null && !("block".equals(settled) && !"block".equals(fallback))) {
            return new VmWork(node, vmi, VmWork.State.SETTLED, null, "fallback " + settled + " applied", fallback, ctx);
        }
        if (CpuRequirement.of(vmi).noCpuSection()) {
            problems.report(vmi, "has no spec.domain.cpu.model: planned as KubeVirt's default, host-model, which"
                    + " can only move to nodes of the same CPU generation; set a named model to move freely");
        }
        Decision decision = PLANNER.plan(vmi, source, ctx.nodes(), ctx.cpuLabels(), inputs);
        decision = withoutFailedTargets(decision, vmi);
        return new VmWork(node, vmi, VmWork.State.PLANNED, decision, null, fallback, ctx);
    }

    /**
     * Recovery prefers targets that have not failed this VM in this drain; the ones that did come last, still
     * allowed, because on a small cluster the only compatible node may have failed for a passing reason.
     */
    private static Decision withoutFailedTargets(Decision decision, VirtualMachineInstance vmi) {
        String failed = vmi.annotation(Bookkeeping.FAILED_TARGETS);
        if (!(decision instanceof Decision.Migrate m) || failed == null || failed.isBlank()) {
            return decision;
        }
        Set<String> failedSet = Set.of(failed.split(","));
        List<String> reordered = new ArrayList<>(m.rankedTargets().stream().filter(t -> !failedSet.contains(t)).toList());
        m.rankedTargets().stream().filter(failedSet::contains).forEach(reordered::add);
        return new Decision.Migrate(reordered, m.cpuMode());
    }

    /** The VM's fallback policy: VMI label, else VM label, else the configured default; bad values reported. */
    private String fallbackOf(VirtualMachineInstance vmi, VirtualMachine vm) {
        String value = vmi.label(Names.FALLBACK);
        if (value == null && vm != null && vm.getMetadata().getLabels() != null) {
            value = vm.getMetadata().getLabels().get(Names.FALLBACK);
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

    private static String nodeState(List<VmWork> vms) {
        return vms.stream().anyMatch(NodeEvacuation::settledBlocked) ? Names.BLOCKED : Names.IN_PROGRESS;
    }

    /** Counts VMs per state into the node summary; releases the drain when nothing is left to move. */
    private String writeStatus(NodePlan plan) {
        Map<VmWork.State, Long> byState = plan.vms().stream().collect(Collectors.groupingBy(VmWork::state, Collectors.counting()));
        int blocked = (int) plan.vms().stream().filter(NodeEvacuation::settledBlocked).count();
        int pending = (int) (byState.getOrDefault(VmWork.State.PLANNED, 0L) + byState.getOrDefault(VmWork.State.WAITING, 0L));
        int inFlight = byState.getOrDefault(VmWork.State.IN_FLIGHT, 0L).intValue();
        int onNode = (int) plan.vms().stream().filter(v -> v.state() != VmWork.State.SKIPPED).count();
        if (pending == 0 && inFlight == 0 && !Names.BLOCKED.equals(plan.state()) && !unrecorded(plan)
                && !adopted.anyFor(plan.node())) {
            release.release(plan.request(), onNode);
            return Names.COMPLETED;
        }
        status.update(plan.node(), plan.state(), s -> s.withCounts(pending, inFlight, blocked, onNode));
        return plan.state();
    }

    /** A migration of ours that ended but is not counted yet: release after it is, so the summary is final. */
    private static boolean unrecorded(NodePlan plan) {
        return plan.request().context().migrations().stream()
                .filter(m -> plan.node().equals(label(m, Names.SOURCE_NODE))
                        && Names.MANAGED_BY_VALUE.equals(label(m, Names.MANAGED_BY)))
                .anyMatch(m -> m.getMetadata().getAnnotations() == null
                        || !m.getMetadata().getAnnotations().containsKey(Bookkeeping.RECORDED));
    }

    private static boolean settledBlocked(VmWork v) {
        return v.state() == VmWork.State.SETTLED && v.note() != null && v.note().startsWith("fallback block");
    }

    private void logIfChanged(NodePlan plan) {
        String text = plan.describe();
        if (!text.equals(lastLoggedPlan.put(plan.node(), text))) {
            LOG.info("{}", text);
        }
    }

    private static Optional<Instant> parseInstant(String s) {
        try {
            return Optional.of(Instant.parse(s));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    static Map<String, String> annotations(Node node) {
        return node.getMetadata().getAnnotations() == null ? Map.of() : node.getMetadata().getAnnotations();
    }

    private static String label(VirtualMachineInstanceMigration m, String key) {
        return m.getMetadata().getLabels() == null ? null : m.getMetadata().getLabels().get(key);
    }

    static String now() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
