package io.drainpilot.plan;

import io.drainpilot.kubevirt.VirtualMachineInstanceMigration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Who may start now. Each row: the caps (cluster, outbound, inbound), what is in flight (source>target), steering,
 * the node's VMs in order with their ranked targets, and the expected result per VM ("->target", "->?" for a start
 * KubeVirt places, "wait: reason").
 */
class SlotBudgetTest {

    static Stream<Arguments> rows() {
        return Stream.of(
                arguments("room for all", limits(5, 2, 2), List.of(), true,
                        List.of(c("a", "n2", "n3"), c("b", "n2", "n3")), List.of("->n2", "->n2")),
                arguments("outbound cap: the rest wait in order", limits(5, 2, 2), List.of(), true,
                        List.of(c("a", "n2"), c("b", "n3"), c("c", "n2")), List.of("->n2", "->n3", "wait: outbound cap 2 for n1")),
                arguments("outbound slot taken by someone else's migration", limits(5, 1, 2), List.of("n1>n4"), true,
                        List.of(c("a", "n2"), c("b", "n3")), List.of("wait: outbound cap 1 for n1",
                                "wait: a VM before it in the order waits for a slot (outbound cap 1 for n1)")),
                arguments("cluster cap counts migrations of other nodes", limits(2, 2, 2), List.of("n5>n6", "n7>n8"), true,
                        List.of(c("a", "n2")), List.of("wait: cluster-wide cap 2")),
                arguments("inbound cap: next target", limits(5, 2, 1), List.of("n5>n2"), true,
                        List.of(c("a", "n2", "n3")), List.of("->n3")),
                arguments("inbound cap on every target: a later VM with other targets goes ahead", limits(5, 2, 1),
                        List.of("n5>n2"), true, List.of(c("a", "n2"), c("b", "n3")),
                        List.of("wait: inbound cap 1 on every compatible target", "->n3")),
                arguments("inbound counts this pass's own starts", limits(5, 3, 1), List.of(), true,
                        List.of(c("a", "n2", "n3"), c("b", "n2", "n3"), c("c", "n2", "n3")),
                        List.of("->n2", "->n3", "wait: inbound cap 1 on every compatible target")),
                arguments("no steering: KubeVirt places, only outbound and cluster count", limits(5, 1, 1), List.of("n5>n2"),
                        false, List.of(c("a", "n2"), c("b", "n3")),
                        List.of("->?", "wait: outbound cap 1 for n1")),
                arguments("finished migrations do not count", limits(1, 1, 1), List.of("n1>n2 Succeeded", "n5>n6 Failed"),
                        true, List.of(c("a", "n2")), List.of("->n2")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void assign(String name, MigrationLimits limits, List<String> inFlight, boolean steer,
            List<SlotBudget.Candidate> ordered, List<String> expected) {
        List<String> got = SlotBudget.assign(limits, InFlightMigrations.of(migrations(inFlight), java.util.Map.of()), "n1", steer, ordered)
                .stream().map(s -> s.starts() ? "->" + (s.target() == null ? "?" : s.target()) : "wait: " + s.waitReason())
                .toList();
        assertThat(got).isEqualTo(expected);
    }

    private static final long GI = 1L << 30;

    /** Room per node (GiB) is shared by this pass's own starts; VMs as "name:GiB:targets...". */
    static Stream<Arguments> roomRows() {
        return Stream.of(
                arguments("room taken by an earlier start: the next target", java.util.Map.of("n2", 8L, "n3", 7L),
                        List.of(m("a", 6, "n2", "n3"), m("b", 6, "n2", "n3")), List.of("->n2", "->n3")),
                arguments("no room left: it waits and a smaller VM after it goes ahead", java.util.Map.of("n2", 8L),
                        List.of(m("a", 6, "n2"), m("b", 6, "n2"), m("c", 1, "n2")),
                        List.of("->n2", "wait: the room left on every compatible target goes to VMs before it", "->n2")),
                arguments("unknown room never refuses", java.util.Map.of(),
                        List.of(m("a", 6, "n2"), m("b", 6, "n2")), List.of("->n2", "->n2")),
                arguments("unknown VM memory takes no room", java.util.Map.of("n2", 1L),
                        List.of(m("a", 0, "n2"), m("b", 0, "n2")), List.of("->n2", "->n2")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("roomRows")
    void room(String name, java.util.Map<String, Long> roomGi, List<SlotBudget.Candidate> ordered, List<String> expected) {
        java.util.Map<String, Long> room = new java.util.HashMap<>();
        roomGi.forEach((n, g) -> room.put(n, g * GI));
        List<String> got = SlotBudget.assign(limits(5, 3, 3), InFlightMigrations.of(List.of(), java.util.Map.of()), "n1",
                true, ordered, room).stream()
                .map(s -> s.starts() ? "->" + s.target() : "wait: " + s.waitReason()).toList();
        assertThat(got).isEqualTo(expected);
    }

    private static SlotBudget.Candidate m(String vm, long gi, String... targets) {
        return new SlotBudget.Candidate("default/" + vm, List.of(targets), gi * GI);
    }

    private static MigrationLimits limits(int cluster, int out, int in) {
        return new MigrationLimits(cluster, out, in);
    }

    private static SlotBudget.Candidate c(String vm, String... targets) {
        return new SlotBudget.Candidate("default/" + vm, List.of(targets));
    }

    /** "source>target [phase]" */
    private static List<VirtualMachineInstanceMigration> migrations(List<String> specs) {
        List<VirtualMachineInstanceMigration> out = new ArrayList<>();
        int i = 0;
        for (String spec : specs) {
            String[] parts = spec.split(" ");
            String[] ends = parts[0].split(">");
            VirtualMachineInstanceMigration m = TriageTest.migration("m" + i, parts.length > 1 ? parts[1] : "Running",
                    java.util.Map.of("drainpilot.io/source-node", ends[0]));
            m.getSpec().vmiName = "other-" + i++;
            m.getStatus().migrationState = new VirtualMachineInstanceMigration.MigrationStateRef();
            m.getStatus().migrationState.targetNode = ends[1];
            out.add(m);
        }
        return out;
    }
}
