package io.drainpilot.plan;

import io.drainpilot.cpu.CpuLabels;
import io.drainpilot.cpu.LauncherCpu;
import io.drainpilot.cpu.TestNodes;
import io.drainpilot.cpu.TestVmis;
import io.drainpilot.work.Decision;
import io.fabric8.kubernetes.api.model.Node;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static io.drainpilot.cpu.TestNodes.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * The room rule across one node's plan: VMs planned in one evaluation account for each other, the later ones seeing
 * the earlier ones' memory as arriving on their first target.
 */
class PlanCapacityTest {
    private static final long GI = 1L << 30;
    private static final List<Node> NODES = List.of(node("src").skylake().build(), node("n2").skylake().build(),
            node("n3").skylake().build());

    /**
     * @param freeGi   free memory per target (GiB); a node missing is unknown
     * @param vms      "name:GiB" in the node's order
     * @param failed   per VM, the targets that failed it in this drain
     * @param expected per VM, "->t1,t2" (targets best first) or "stuck"
     */
    static Stream<Arguments> rows() {
        return Stream.of(
                arguments("room for both on the same node", Map.of("n2", 10L, "n3", 2L), List.of("a:4", "b:4"), Map.of(),
                        List.of("->n2", "->n2")),
                arguments("room for one of two: the second gets none", Map.of("n2", 10L, "n3", 2L), List.of("a:6", "b:6"),
                        Map.of(), List.of("->n2", "stuck")),
                arguments("the second goes where room is left", Map.of("n2", 10L, "n3", 7L), List.of("a:6", "b:6"),
                        Map.of(), List.of("->n2,n3", "->n3")),
                arguments("the order of targets follows the room left", Map.of("n2", 12L, "n3", 10L),
                        List.of("a:4", "b:1"), Map.of(), List.of("->n2,n3", "->n3,n2")),
                arguments("a failed target comes last and takes nothing first", Map.of("n2", 12L, "n3", 7L),
                        List.of("a:6", "b:6"), Map.of("a", Set.of("n2")), List.of("->n3,n2", "->n2")),
                arguments("unknown room is never refused", Map.of(), List.of("a:6", "b:6"), Map.of(),
                        List.of("->n2,n3", "->n2,n3")),
                arguments("four small ones share two nodes by the room left", Map.of("n2", 9L, "n3", 4L),
                        List.of("a:3", "b:3", "c:3", "d:3"), Map.of(), List.of("->n2,n3", "->n2,n3", "->n3,n2", "->n2")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void eachVmSeesTheOnesBeforeIt(String name, Map<String, Long> freeGi, List<String> vms,
            Map<String, Set<String>> failed, List<String> expected) {
        Map<String, Long> free = new HashMap<>();
        freeGi.forEach((n, g) -> free.put(n, g * GI));
        PlanInputs inputs = new PlanInputs(Set.of("src"), free, Set.of(), true, true, false, Map.of());
        EvacuationPlanner planner = new EvacuationPlanner();
        List<Node> ranked = EvacuationPlanner.rank(NODES, inputs);
        List<String> got = new ArrayList<>();
        for (String vm : vms) {
            String[] p = vm.split(":");
            TestVmis vmi = TestVmis.vmi(p[0]).on("src").cpu(TestNodes.SKYLAKE).guestMemory(p[1] + "Gi");
            EvacuationPlanner.Step step = planner.planInOrder(vmi.build(), LauncherCpu.UNKNOWN, NODES.get(0), ranked,
                    CpuLabels::of, inputs, 8, failed.getOrDefault(p[0], Set.of()));
            got.add(step.decision() instanceof Decision.Migrate m ? "->" + String.join(",", m.rankedTargets()) : "stuck");
            inputs = step.next();
        }
        assertThat(got).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void aTargetWithoutRoomIsNeverChosen(String name, Map<String, Long> freeGi, List<String> vms,
            Map<String, Set<String>> failed, List<String> expected) {
        Map<String, Long> room = new HashMap<>();
        freeGi.forEach((n, g) -> room.put(n, g * GI));
        PlanInputs inputs = new PlanInputs(Set.of("src"), room, Set.of(), true, true, false, Map.of());
        EvacuationPlanner planner = new EvacuationPlanner();
        for (String vm : vms) {
            String[] p = vm.split(":");
            long bytes = Long.parseLong(p[1]) * GI;
            EvacuationPlanner.Step step = planner.planInOrder(TestVmis.vmi(p[0]).on("src").cpu(TestNodes.SKYLAKE)
                    .guestMemory(p[1] + "Gi").build(), LauncherCpu.UNKNOWN, NODES.get(0),
                    EvacuationPlanner.rank(NODES, inputs), CpuLabels::of, inputs, 8, failed.getOrDefault(p[0], Set.of()));
            if (step.decision() instanceof Decision.Migrate m) {
                for (String t : m.rankedTargets()) {
                    Long left = inputs.roomBytes(t);
                    assertThat(left == null || left >= bytes).as(vm + " offered " + t).isTrue();
                }
            }
            inputs = step.next();
        }
    }
}
