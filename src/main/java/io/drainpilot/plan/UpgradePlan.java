package io.drainpilot.plan;

import io.drainpilot.cpu.CpuLabels;
import io.drainpilot.cpu.CpuMode;
import io.drainpilot.cpu.CpuRequirement;
import io.drainpilot.cpu.LauncherCpu;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.names.Names;
import io.drainpilot.work.Decision;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A whole rolling upgrade, planned ahead ({@code --preflight --upgrade}): the nodes drain one at a time in the
 * upgrade's order; at each step every VM of the node is planned with the same pipeline as a live drain ({@link
 * EvacuationPlanner#planInOrder}: the target rules, CPU rules, room across the step, upgrade-repo VM first, then the
 * VMs Harvester's job would stop, then {@code drainpilot.vm.order}), against a virtual cluster in which the earlier
 * steps' moves happened (each VM on its new node, its memory there, a host-model VM keeping the CPU of the node it
 * first left) and the upgraded nodes are back. A VM goes to its first target.
 *
 * <p>Placement: {@link Placement#MOVE_ONCE} is DrainPilot's (upgraded nodes first, else the node upgraded last, then
 * room); {@link Placement#ROOM_ONLY} ranks by room alone, to show which VMs the rule saves a move.
 *
 * <p>The minimum: every VM on a node of the plan must leave it once; a VM leaving a node while no other node is
 * upgraded or outside the plan lands on a node still to be upgraded and must move once more. So the minimum is one
 * move per such VM, two for the VMs of a step at which every other node is still to be upgraded (the first step when
 * the plan takes every node). It ignores CPU, room and rules, so a plan may need more.
 *
 * <p>Simplifications: no migration fails, nothing else changes in the cluster meanwhile, no VM is stopped (a VM
 * that cannot move stays on its node through the upgrade); Harvester's job is judged with the VMs where the plan put
 * them. Pure.
 */
public final class UpgradePlan {

    /** How targets are ranked. */
    public enum Placement {
        MOVE_ONCE("move-once"), ROOM_ONLY("room-only");

        private final String wire;

        Placement(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }
    }

    /**
     * The cluster as it is.
     *
     * @param nodes          every node
     * @param vmis           every VMI
     * @param launcherCpu    per VMI (namespace/name), its virt-launcher pod's CPU selectors (host-model VMIs)
     * @param vmSkipped      VMIs whose VirtualMachine carries {@code drainpilot.io/skip: "true"}
     * @param order          the nodes in upgrade order
     * @param base           steering, CPU vendor rule and eviction-strategy rule (its node sets and memory are ignored)
     * @param vmOrder        drainpilot.vm.order
     * @param harvesterMinor the minor version of the Harvester running the upgrade, -1 when not Harvester
     */
    public record Inputs(List<Node> nodes, List<VirtualMachineInstance> vmis, Map<String, LauncherCpu> launcherCpu,
            Set<String> vmSkipped, List<String> order, PlanInputs base, VmiOrder vmOrder, int harvesterMinor) {
    }

    public record Move(String vm, String from, String to, List<String> targets) {
    }

    public record Stuck(String vm, String outcome, String reason) {
    }

    public record Risk(String vm, String reason) {
    }

    /**
     * One node's turn.
     *
     * @param freeMemoryBytes per node, allocatable memory minus what the VMs there ask for, after the step's moves
     */
    public record Step(int step, String node, List<Move> moves, List<Stuck> stuck, List<String> skipped,
            List<Risk> harvesterWouldStop, Map<String, Long> freeMemoryBytes) {
    }

    /** A VM moved more than once: its path under this plan and under the other placement. */
    public record Repeated(String vm, int moves, List<String> path, int otherMoves, List<String> otherPath) {
    }

    /**
     * @param vms     VMs on nodes of the plan that DrainPilot would move (not skipped)
     * @param planned migrations the plan makes
     * @param minimum the least any placement could make (class comment)
     * @param movedAgain VMs moved more than once
     * @param stuck   VMs that could not move at some step
     */
    public record Totals(int vms, int planned, int minimum, int movedAgain, int stuck) {
    }

    public record Result(Placement placement, List<String> order, List<Step> steps, List<Repeated> movedMoreThanOnce,
            Totals totals, Map<String, List<String>> paths) {
    }

    private UpgradePlan() {
    }

    /** The plan with {@code placement}; its repeated moves are compared with the other placement's. */
    public static Result plan(Inputs in, Placement placement) {
        Result mine = simulate(in, placement);
        Result other = simulate(in, placement == Placement.MOVE_ONCE ? Placement.ROOM_ONLY : Placement.MOVE_ONCE);
        Set<String> worth = new java.util.TreeSet<>();
        mine.paths().forEach((vm, p) -> {
            if (p.size() > 2) {
                worth.add(vm);
            }
        });
        other.paths().forEach((vm, p) -> {
            if (p.size() > 2) {
                worth.add(vm);
            }
        });
        List<Repeated> repeated = worth.stream().map(vm -> {
            List<String> p = mine.paths().getOrDefault(vm, List.of());
            List<String> o = other.paths().getOrDefault(vm, List.of());
            return new Repeated(vm, Math.max(0, p.size() - 1), p, Math.max(0, o.size() - 1), o);
        }).toList();
        return new Result(placement, mine.order(), mine.steps(), repeated, mine.totals(), mine.paths());
    }

    private static Result simulate(Inputs in, Placement placement) {
        EvacuationPlanner planner = new EvacuationPlanner();
        Map<String, Node> nodesByName = new LinkedHashMap<>();
        in.nodes().forEach(n -> nodesByName.put(n.getMetadata().getName(), n));
        Map<String, CpuLabels> cpu = new HashMap<>();
        Function<Node, CpuLabels> cpuOf = n -> cpu.computeIfAbsent(n.getMetadata().getName(), k -> CpuLabels.of(n));

        // the virtual cluster: each running VMI where it is now, with its kept CPU
        Map<String, VirtualMachineInstance> vmis = new TreeMap<>();
        Map<String, LauncherCpu> kept = new HashMap<>(in.launcherCpu());
        Map<String, List<String>> paths = new TreeMap<>();
        for (VirtualMachineInstance v : in.vmis()) {
            if ("Running".equals(v.phase()) && v.nodeName().isPresent()
                    && v.getMetadata().getDeletionTimestamp() == null) {
                vmis.put(key(v), v);
            }
        }
        Set<String> inOrder = new HashSet<>(in.order());
        int minimum = 0;
        int planned = 0;
        int stuckCount = 0;
        Set<String> counted = new HashSet<>();
        List<Step> steps = new ArrayList<>();
        Set<String> upgraded = new HashSet<>();
        for (int i = 0; i < in.order().size(); i++) {
            String name = in.order().get(i);
            Node source = nodesByName.get(name);
            boolean somewhereToStay = nodesByName.keySet().stream()
                    .anyMatch(n -> !n.equals(name) && (upgraded.contains(n) || !inOrder.contains(n)));
            Map<String, Long> free = freeMemory(nodesByName.values(), vmis.values());
            PlanInputs inputs = new PlanInputs(Set.of(name), free,
                    placement == Placement.MOVE_ONCE ? upgraded : Set.of(), in.base().respectEvictionStrategyNone(),
                    in.base().steering(), in.base().sameCpuVendor(), Map.of(),
                    placement == Placement.MOVE_ONCE ? in.order() : List.of());
            List<VirtualMachineInstance> here = new ArrayList<>(vmis.values().stream()
                    .filter(v -> name.equals(v.nodeName().orElse(null))).toList());
            List<Node> all = List.copyOf(nodesByName.values());
            Map<String, String> risk = new HashMap<>();
            if (in.harvesterMinor() >= 0) {
                for (VirtualMachineInstance v : here) {
                    HarvesterRisk.stopReason(v, in.harvesterMinor(), all).ifPresent(r -> risk.put(key(v), r));
                }
            }
            here.sort(Comparator.<VirtualMachineInstance, Boolean>comparing(v -> !VmiOrder.isUpgradeRepo(v))
                    .thenComparing(v -> !risk.containsKey(key(v))).thenComparing(in.vmOrder().comparator()));
            List<Node> ranked = EvacuationPlanner.rank(all, inputs);
            List<Move> moves = new ArrayList<>();
            List<Stuck> stuck = new ArrayList<>();
            List<String> skipped = new ArrayList<>();
            List<Risk> risks = new ArrayList<>();
            PlanInputs passing = inputs;
            for (VirtualMachineInstance v : here) {
                String key = key(v);
                if ("true".equals(v.label(Names.SKIP)) || in.vmSkipped().contains(key)) {
                    skipped.add(key);
                    continue;
                }
                if (risk.containsKey(key)) {
                    risks.add(new Risk(key, risk.get(key)));
                }
                if (counted.add(key)) {
                    minimum += somewhereToStay ? 1 : 2;
                }
                LauncherCpu pod = kept.getOrDefault(key, LauncherCpu.UNKNOWN);
                EvacuationPlanner.Step step = planner.planInOrder(v, pod, source, ranked, cpuOf, passing,
                        Integer.MAX_VALUE, Set.of());
                passing = step.next();
                if (step.decision() instanceof Decision.Migrate m) {
                    String to = m.rankedTargets().get(0);
                    moves.add(new Move(key, name, to, m.rankedTargets()));
                    planned++;
                    paths.computeIfAbsent(key, k -> new ArrayList<>(List.of(name))).add(to);
                    if (CpuRequirement.of(v).mode() == CpuMode.HOST_MODEL && !pod.keepsSelectors()) {
                        // KubeVirt's first migration of a host-model VM writes the source's CPU into its pod, for good
                        CpuLabels s = cpuOf.apply(source);
                        s.hostModel().ifPresent(hm -> kept.put(key, new LauncherCpu(Set.of(hm),
                                s.hostModelRequiredFeatures(), true)));
                    }
                    vmis.put(key, movedTo(v, to));
                } else {
                    stuck.add(new Stuck(key, step.decision().outcome(), step.decision().describe()));
                    stuckCount++;
                }
            }
            upgraded.add(name);
            steps.add(new Step(i + 1, name, moves, stuck, skipped, risks,
                    new TreeMap<>(freeMemory(nodesByName.values(), vmis.values()))));
        }
        int movedAgain = (int) paths.values().stream().filter(p -> p.size() > 2).count();
        return new Result(placement, in.order(), steps, List.of(),
                new Totals(counted.size(), planned, minimum, movedAgain, stuckCount), paths);
    }

    private static Map<String, Long> freeMemory(java.util.Collection<Node> nodes,
            java.util.Collection<VirtualMachineInstance> vmis) {
        Map<String, Long> used = vmis.stream().collect(Collectors.groupingBy(v -> v.nodeName().orElse(""),
                Collectors.summingLong(v -> VmiMemory.bytes(v).orElse(0L))));
        Map<String, Long> free = new HashMap<>();
        for (Node n : nodes) {
            Quantity q = n.getStatus() == null || n.getStatus().getAllocatable() == null ? null
                    : n.getStatus().getAllocatable().get("memory");
            if (q != null) {
                String name = n.getMetadata().getName();
                free.put(name, Quantity.getAmountInBytes(q).longValue() - used.getOrDefault(name, 0L));
            }
        }
        return free;
    }

    /** A copy of the VMI as KubeVirt would report it after a migration to {@code node}. */
    private static VirtualMachineInstance movedTo(VirtualMachineInstance v, String node) {
        VirtualMachineInstance copy = Serialization.clone(v);
        copy.getStatus().nodeName = node;
        return copy;
    }

    private static String key(VirtualMachineInstance v) {
        return v.getMetadata().getNamespace() + "/" + v.getMetadata().getName();
    }
}
