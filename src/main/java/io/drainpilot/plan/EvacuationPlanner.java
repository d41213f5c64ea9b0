package io.drainpilot.plan;

import io.drainpilot.cpu.CpuCompatibility;
import io.drainpilot.cpu.CpuLabels;
import io.drainpilot.cpu.CpuMode;
import io.drainpilot.cpu.LauncherCpu;
import io.drainpilot.work.Decision;
import io.drainpilot.cpu.CpuRequirement;
import io.drainpilot.kubevirt.KubeVirtNames;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.kubevirt.VirtualMachineInstanceStatus.Condition;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Toleration;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Decides, from the cluster's state alone, whether and where one VMI can be live-migrated off its node.
 * Stateless and pure, so every scan can recompute the plan (level-triggered).
 */
public final class EvacuationPlanner {

    public Decision plan(VirtualMachineInstance vmi, Node source, List<Node> allNodes, PlanInputs inputs) {
        return plan(vmi, source, allNodes, CpuLabels::of, inputs);
    }

    /** As above, reading each node's CPU labels through {@code cpuLabels} (a scan parses them once for all VMs). */
    public Decision plan(VirtualMachineInstance vmi, Node source, List<Node> allNodes,
                         Function<Node, CpuLabels> cpuLabels, PlanInputs inputs) {
        return plan(vmi, LauncherCpu.UNKNOWN, source, allNodes, cpuLabels, inputs);
    }

    /**
     * As above, for a VMI whose running virt-launcher pod carries {@code pod}'s CPU selectors (a host-model VMI that
     * migrated before keeps the CPU of the node it first left).
     */
    public Decision plan(VirtualMachineInstance vmi, LauncherCpu pod, Node source, List<Node> allNodes,
                         Function<Node, CpuLabels> cpuLabels, PlanInputs inputs) {
        Decision d = plan(vmi, pod, source, allNodes, cpuLabels, inputs, Integer.MAX_VALUE);
        return d instanceof Decision.Migrate m
                ? new Decision.Migrate(m.rankedTargets().stream().sorted(ranking(inputs)).toList(), m.cpuMode()) : d;
    }

    /**
     * The nodes in the order they are preferred ({@link #rank}), looked at until {@code enough} compatible targets
     * are found: a large cluster's every node is checked only for a VM that has (almost) nowhere to go.
     */
    public Decision planRanked(VirtualMachineInstance vmi, LauncherCpu pod, Node source, List<Node> rankedNodes,
                               Function<Node, CpuLabels> cpuLabels, PlanInputs inputs, int enough) {
        return plan(vmi, pod, source, rankedNodes, cpuLabels, inputs, enough);
    }

    /**
     * One VM of a node's plan, in the node's order, and the inputs for the VM after it: a VM planned to move takes its
     * memory from the room of its first target, so the next VM sees it arriving there and a target with room for one
     * of two VMs is offered to one only (the next VM's first target is where KubeVirt or the steered migration puts
     * it). Targets that failed this VM in this drain come last ({@code failedTargets}).
     */
    public record Step(Decision decision, PlanInputs next) {
    }

    /** {@link #planRanked}, targets ordered by the current room and failures, then the VM's memory reserved. */
    public Step planInOrder(VirtualMachineInstance vmi, LauncherCpu pod, Node source, List<Node> rankedNodes,
                            Function<Node, CpuLabels> cpuLabels, PlanInputs inputs, int enough,
                            java.util.Set<String> failedTargets) {
        Decision d = plan(vmi, pod, source, rankedNodes, cpuLabels, inputs, enough);
        if (!(d instanceof Decision.Migrate m)) {
            return new Step(d, inputs);
        }
        // the room may have changed since the nodes were ranked: earlier VMs of this pass took some
        List<String> byRoom = m.rankedTargets().stream().sorted(ranking(inputs)).toList();
        Decision.Migrate ordered = preferNotFailed(new Decision.Migrate(byRoom, m.cpuMode()), failedTargets);
        long memory = VmiMemory.bytes(vmi).orElse(0L);
        return new Step(ordered, inputs.withArriving(ordered.rankedTargets().get(0), memory));
    }

    /**
     * Targets that have not failed this VM in this drain first; the ones that did come last, still allowed, because on
     * a small cluster the only compatible node may have failed for a passing reason.
     */
    static Decision.Migrate preferNotFailed(Decision.Migrate m, java.util.Set<String> failed) {
        if (failed == null || failed.isEmpty()) {
            return m;
        }
        List<String> reordered = new ArrayList<>(m.rankedTargets().stream().filter(t -> !failed.contains(t)).toList());
        m.rankedTargets().stream().filter(failed::contains).forEach(reordered::add);
        return new Decision.Migrate(reordered, m.cpuMode());
    }

    /** The nodes in the order targets are preferred: upgraded first, then upgraded last, then most room (known), then by name. */
    public static List<Node> rank(List<Node> nodes, PlanInputs inputs) {
        return nodes.stream().filter(n -> n != null && n.getMetadata() != null && n.getMetadata().getName() != null)
                .sorted(Comparator.comparing((Node n) -> n.getMetadata().getName(), ranking(inputs))).toList();
    }

    private Decision plan(VirtualMachineInstance vmi, LauncherCpu pod, Node source, List<Node> allNodes,
                         Function<Node, CpuLabels> cpuLabels, PlanInputs inputs, int enough) {
        Optional<String> blocked = notMigratable(vmi, inputs);
        if (blocked.isPresent()) {
            return new Decision.NotMigratable(blocked.get());
        }
        CpuRequirement cpu = CpuRequirement.of(vmi);
        CpuLabels sourceCpu = cpuLabels.apply(source);
        Optional<String> sourceProblem = CpuCompatibility.sourceProblem(cpu, pod, sourceCpu);
        if (sourceProblem.isPresent()) {
            return new Decision.NotMigratable(sourceProblem.get());
        }
        TargetRules rules = TargetRules.forVmi(vmi, sourceCpu.node(), inputs);
        Map<String, String> rejected = new TreeMap<>();
        List<String> compatible = new ArrayList<>();
        for (Node node : candidates(allNodes, sourceCpu.node())) {
            List<String> violations = rules.violations(node);
            Optional<String> cpuMismatch = CpuCompatibility.incompatibility(cpu, pod, sourceCpu, cpuLabels.apply(node),
                    inputs.sameCpuVendor());
            if (violations.isEmpty() && cpuMismatch.isEmpty()) {
                compatible.add(node.getMetadata().getName());
                if (compatible.size() >= enough) {
                    break;
                }
            } else {
                List<String> reasons = new ArrayList<>(violations);
                cpuMismatch.ifPresent(reasons::add);
                rejected.put(node.getMetadata().getName(), String.join(", ", reasons));
            }
        }
        if (compatible.isEmpty()) {
            return new Decision.NoCompatibleTarget(rejected);
        }
        if (!inputs.steering() && cpu.mode() == CpuMode.HOST_PASSTHROUGH) {
            // KubeVirt adds no CPU selector for host-passthrough and cannot be told the target: any schedulable
            // node with another CPU is a place it might pick, and the migration would fail inside libvirt
            List<Toleration> tolerations = vmi.getSpec() == null ? null : vmi.getSpec().tolerations;
            List<String> risky = candidates(allNodes, sourceCpu.node()).stream()
                    .filter(EvacuationPlanner::schedulable)
                    .filter(n -> NodeTaints.ready(n) && NodeTaints.untolerated(n, tolerations).isEmpty())
                    .filter(n -> !compatible.contains(n.getMetadata().getName()))
                    .filter(n -> CpuCompatibility.incompatibility(cpu, pod, sourceCpu, cpuLabels.apply(n),
                            inputs.sameCpuVendor()).isPresent())
                    .map(n -> n.getMetadata().getName()).toList();
            if (!risky.isEmpty()) {
                return new Decision.NoSafeTarget("host-passthrough VM and target steering is off (KubeVirt older than"
                        + " 1.6 or drainpilot.migration.target-steering=off): KubeVirt could place it on "
                        + Decision.firstOf(risky, Decision.SHOWN, " other nodes")
                        + ", whose CPU differs, and the migration would fail inside libvirt");
            }
        }
        return new Decision.Migrate(compatible, cpu.describe());
    }

    private static boolean schedulable(Node n) {
        boolean cordoned = n.getSpec() != null && Boolean.TRUE.equals(n.getSpec().getUnschedulable());
        return !cordoned && n.getMetadata().getLabels() != null
                && "true".equals(n.getMetadata().getLabels().get(KubeVirtNames.LABEL_SCHEDULABLE));
    }

    private static Optional<String> notMigratable(VirtualMachineInstance vmi, PlanInputs inputs) {
        Optional<Condition> liveMigratable = vmi == null || vmi.getStatus() == null || vmi.getStatus().conditions == null
                ? Optional.empty() : vmi.getStatus().conditions.stream().filter(Objects::nonNull)
                .filter(c -> KubeVirtNames.CONDITION_LIVE_MIGRATABLE.equals(c.type)).findFirst();
        if (liveMigratable.isPresent() && "False".equals(liveMigratable.get().status)) {
            Condition c = liveMigratable.get();
            // KubeVirt's own reason and message are the best explanation there is: keep them verbatim
            return Optional.of(KubeVirtNames.CONDITION_LIVE_MIGRATABLE + "=False: " + Objects.toString(c.reason, "")
                    + (c.message == null || c.message.isBlank() ? "" : " (" + c.message + ")"));
        }
        String strategy = vmi == null || vmi.getSpec() == null ? null : vmi.getSpec().evictionStrategy;
        if (inputs.respectEvictionStrategyNone() && "None".equals(strategy)) {
            return Optional.of("evictionStrategy None: the VM's owner does not want it moved");
        }
        return Optional.empty();
    }

    // a VM on an already upgraded node stays put for the rest of the upgrade; else on the node upgraded last it moves
    // again only at the very end; then room, then a stable order
    static Comparator<String> ranking(PlanInputs inputs) {
        return Comparator.<String, Boolean>comparing(n -> !inputs.upgradedNodes().contains(n))
                .thenComparing(inputs::upgradeTurn, Comparator.reverseOrder())
                .thenComparing(inputs::roomBytes, Comparator.nullsLast(Comparator.reverseOrder()))
                .thenComparing(Comparator.naturalOrder());
    }

    // the source is no candidate, and listing it would only add noise to every summary
    private static List<Node> candidates(List<Node> nodes, String source) {
        return nodes == null ? List.of() : nodes.stream()
                .filter(n -> n != null && n.getMetadata() != null && n.getMetadata().getName() != null)
                .filter(n -> !n.getMetadata().getName().equals(source)).toList();
    }
}
