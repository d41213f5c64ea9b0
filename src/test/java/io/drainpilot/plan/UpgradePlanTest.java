package io.drainpilot.plan;

import io.drainpilot.cpu.TestNodes;
import io.drainpilot.cpu.TestVmis;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import org.junit.jupiter.api.Test;
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

class UpgradePlanTest {
    private static final List<String> ORDER = List.of("n1", "n2", "n3", "n4", "n5", "n6");

    private static Node withMemory(TestNodes n, String memory) {
        Node node = n.build();
        node.getStatus().setAllocatable(Map.of("memory", new Quantity(memory)));
        return node;
    }

    /**
     * Six nodes of three CPUs: three Skylake, two Cascadelake (which take a Skylake host-model VM) and one EPYC (n6),
     * whose VM has nowhere else to go. The Cascadelake nodes have the most room, so "most room" keeps sending a VM to
     * the node drained next.
     */
    private static List<Node> sixNodes() {
        return List.of(withMemory(node("n1").skylake(), "32Gi"), withMemory(node("n2").skylake(), "32Gi"),
                withMemory(node("n3").cascadelake(), "128Gi"), withMemory(node("n4").cascadelake(), "96Gi"),
                withMemory(node("n5").skylake(), "16Gi"), withMemory(node("n6").epyc(), "256Gi"));
    }

    private static List<VirtualMachineInstance> vms() {
        return List.of(TestVmis.vmi("early").on("n1").guestMemory("2Gi").build(),
                TestVmis.vmi("wanderer").on("n2").guestMemory("2Gi").build(),
                TestVmis.vmi("amd-only").on("n6").guestMemory("2Gi").build());
    }

    private static UpgradePlan.Result plan(UpgradePlan.Placement placement) {
        PlanInputs base = new PlanInputs(Set.of(), Map.of(), Set.of(), true, true, false, Map.of());
        return UpgradePlan.plan(new UpgradePlan.Inputs(sixNodes(), vms(), Map.of(), Set.of(), ORDER, base,
                VmiOrder.SMALLEST_MEMORY_FIRST, -1), placement);
    }

    @Test
    void aVmThatWouldMoveThreeTimesByRoomMovesOnceWithThePlacementRule() {
        UpgradePlan.Result byRoom = plan(UpgradePlan.Placement.ROOM_ONLY);
        assertThat(byRoom.paths().get("default/wanderer")).containsExactly("n2", "n3", "n4", "n3");

        UpgradePlan.Result rule = plan(UpgradePlan.Placement.MOVE_ONCE);
        assertThat(rule.paths().get("default/wanderer")).as("to the upgraded n1, for good").containsExactly("n2", "n1");
        // the first node's VM has no upgraded node to go to: the node upgraded last that fits, then once more
        assertThat(rule.paths().get("default/early")).containsExactly("n1", "n5", "n3");
        assertThat(rule.movedMoreThanOnce()).extracting(UpgradePlan.Repeated::vm, UpgradePlan.Repeated::moves,
                UpgradePlan.Repeated::otherMoves).containsExactly(
                        org.assertj.core.groups.Tuple.tuple("default/early", 2, 3),
                        org.assertj.core.groups.Tuple.tuple("default/wanderer", 1, 3));
    }

    @Test
    void totalsCompareTheMigrationsWithTheMinimum() {
        UpgradePlan.Result rule = plan(UpgradePlan.Placement.MOVE_ONCE);
        // minimum: early 2 (first step, nowhere to stay), wanderer 1, amd-only 1
        assertThat(rule.totals()).isEqualTo(new UpgradePlan.Totals(3, 3, 4, 1, 1));
        assertThat(plan(UpgradePlan.Placement.ROOM_ONLY).totals()).isEqualTo(new UpgradePlan.Totals(3, 6, 4, 2, 1));
    }

    @Test
    void eachStepSaysWhatMovesWhereWhatIsStuckAndTheRoomLeft() {
        UpgradePlan.Result rule = plan(UpgradePlan.Placement.MOVE_ONCE);
        assertThat(rule.steps()).extracting(UpgradePlan.Step::node).containsExactlyElementsOf(ORDER);
        UpgradePlan.Step first = rule.steps().get(0);
        assertThat(first.moves()).extracting(UpgradePlan.Move::vm, UpgradePlan.Move::to)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("default/early", "n5"));
        assertThat(first.freeMemoryBytes()).containsEntry("n5", 14L << 30).containsEntry("n1", 32L << 30);
        UpgradePlan.Step last = rule.steps().get(5);
        assertThat(last.stuck()).singleElement().satisfies(s -> {
            assertThat(s.vm()).isEqualTo("default/amd-only");
            assertThat(s.outcome()).isEqualTo("NoCompatibleTarget");
            assertThat(s.reason()).contains("n1: lacks cpu-model-migration.node.kubevirt.io/EPYC-Rome");
        });
    }

    @Test
    void roomIsSharedAcrossAStep() {
        // two 10Gi VMs leave n1 and n5 (16Gi, upgraded last among their CPU's nodes) has room for one: the second
        // goes to the node upgraded last of those with room left
        List<VirtualMachineInstance> big = List.of(TestVmis.vmi("a").on("n1").guestMemory("10Gi").build(),
                TestVmis.vmi("b").on("n1").guestMemory("10Gi").build());
        PlanInputs base = new PlanInputs(Set.of(), Map.of(), Set.of(), true, true, false, Map.of());
        UpgradePlan.Result r = UpgradePlan.plan(new UpgradePlan.Inputs(sixNodes(), big, Map.of(), Set.of(), ORDER,
                base, VmiOrder.SMALLEST_MEMORY_FIRST, -1), UpgradePlan.Placement.MOVE_ONCE);
        assertThat(r.steps().get(0).moves()).extracting(UpgradePlan.Move::to).containsExactly("n5", "n4");
    }

    @Test
    void skippedVmsStayAndWhatHarvestersJobWouldStopIsSaidPerStep() {
        List<VirtualMachineInstance> vms = List.of(
                TestVmis.vmi("left-alone").on("n2").guestMemory("2Gi").build(),
                TestVmis.vmi("vm-skip").on("n2").guestMemory("2Gi").build(),
                TestVmis.vmi("pinned").on("n3").guestMemory("2Gi").nodeSelector(Map.of("kubernetes.io/hostname", "n3"))
                        .build());
        vms.get(0).getMetadata().getLabels().put("drainpilot.io/skip", "true");
        PlanInputs base = new PlanInputs(Set.of(), Map.of(), Set.of(), true, true, false, Map.of());
        UpgradePlan.Result r = UpgradePlan.plan(new UpgradePlan.Inputs(sixNodes(), vms, Map.of(),
                Set.of("default/vm-skip"), ORDER, base, VmiOrder.SMALLEST_MEMORY_FIRST, 6), UpgradePlan.Placement.MOVE_ONCE);
        assertThat(r.steps().get(1).skipped()).containsExactly("default/left-alone", "default/vm-skip");
        assertThat(r.steps().get(1).moves()).isEmpty();
        UpgradePlan.Step third = r.steps().get(2);
        assertThat(third.harvesterWouldStop()).extracting(UpgradePlan.Risk::vm, UpgradePlan.Risk::reason)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("default/pinned", "it has a nodeSelector"));
        assertThat(third.stuck()).extracting(UpgradePlan.Stuck::vm).containsExactly("default/pinned");
        // skipped VMs are not counted among those to move
        assertThat(r.totals().vms()).isEqualTo(1);
    }

    private static Secret plan(String machine, Map<String, String> roles) {
        Map<String, String> labels = new HashMap<>(roles);
        labels.put("rke.cattle.io/machine-name", machine);
        return new SecretBuilder().withNewMetadata().withName(machine + "-plan").withNamespace("fleet-local")
                .withLabels(labels).endMetadata().build();
    }

    private static Node machineNode(String name, String machine) {
        Node n = node(name).build();
        n.getMetadata().setAnnotations(Map.of("cluster.x-k8s.io/machine", machine));
        return n;
    }

    static Stream<Arguments> orders() {
        Map<String, String> init = Map.of("rke.cattle.io/etcd-role", "true", "rke.cattle.io/init-node", "true",
                "rke.cattle.io/control-plane-role", "true");
        Map<String, String> etcd = Map.of("rke.cattle.io/etcd-role", "true", "rke.cattle.io/control-plane-role", "true");
        Map<String, String> worker = Map.of("rke.cattle.io/worker-role", "true");
        return Stream.of(
                arguments("tier first, then machine name", List.of(plan("m-c", worker), plan("m-b", etcd),
                        plan("m-z", init), plan("m-a", worker)), List.of(machineNode("w1", "m-c"),
                        machineNode("e1", "m-b"), machineNode("i1", "m-z"), machineNode("w2", "m-a")),
                        List.of("i1", "e1", "w2", "w1")),
                arguments("the machine name, not the node name, within a tier", List.of(plan("m-2", worker),
                        plan("m-1", worker)), List.of(machineNode("a", "m-2"), machineNode("b", "m-1")),
                        List.of("b", "a")),
                arguments("a node without a plan Secret comes last", List.of(plan("m-1", worker)),
                        List.of(node("zz").build(), node("aa").build(), machineNode("w", "m-1")),
                        List.of("w", "aa", "zz")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("orders")
    void theOrderIsRanchers(String name, List<Secret> secrets, List<Node> nodes, List<String> expected) {
        assertThat(UpgradeOrder.of(secrets, nodes)).isEqualTo(expected);
    }

    @Test
    void aGivenOrderNamesNodesOnce() {
        assertThat(UpgradeOrder.given("b, a", Set.of("a", "b", "c"))).containsExactly("b", "a");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> UpgradeOrder.given("a,x", Set.of("a")))
                .hasMessageContaining("x, which is no node");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> UpgradeOrder.given("a,a", Set.of("a")))
                .hasMessageContaining("twice");
    }
}
