package io.drainpilot.plan;

import io.drainpilot.work.TransferRates;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * The time left on node n1. Each row: finished migrations ("source>target GiB seconds [setup seconds]"), the VMs still to move in
 * order ("GiB" queued, "GiB>target" queued and steered, "GiB>target@seconds" under way that long), the parallel
 * lanes, and the expected estimate ("seconds basis", or "none").
 */
class EtaEstimateTest {

    static Stream<Arguments> rows() {
        return Stream.of(
                arguments("no finished migration: no estimate", List.of(), List.of("4"), 2, "none"),
                arguments("nothing left to move: done", List.of(), List.of(), 2, "0 none"),
                arguments("one finished migration gives the rate", List.of("n1>n2 2 10"), List.of("4"), 2, "20 cluster"),
                arguments("rate is all memory over all time", List.of("n1>n2 2 10", "n3>n4 6 10"), List.of("4"), 1,
                        "10 cluster"),
                arguments("the pair's rate beats the cluster's", List.of("n1>n2 1 10", "n3>n4 10 10"), List.of("2>n2"), 1,
                        "20 pair"),
                arguments("a target without history of its own takes the cluster's", List.of("n1>n2 1 10", "n3>n4 3 10"),
                        List.of("2>n5"), 1, "10 cluster"),
                arguments("unknown target (KubeVirt places): the cluster's", List.of("n1>n2 1 10", "n3>n4 3 10"),
                        List.of("2"), 1, "10 cluster"),
                arguments("pair and cluster rates in one estimate", List.of("n1>n2 1 10", "n3>n4 3 10"),
                        List.of("1>n2@0", "2"), 2, "10 mixed"),
                arguments("one lane: one after the other", List.of("n1>n2 1 10"), List.of("1", "1", "1"), 1, "30 cluster"),
                arguments("two lanes share the queue", List.of("n1>n2 1 10"), List.of("1", "1", "1", "1"), 2, "20 cluster"),
                arguments("the lane that frees first takes the next VM", List.of("n1>n2 1 10"), List.of("4", "1", "1", "1"), 2,
                        "40 cluster"),
                arguments("in flight: only the unfinished part", List.of("n1>n2 1 10"), List.of("4>n3@15"), 2, "25 cluster"),
                arguments("in flight past its expected time: nothing left of it", List.of("n1>n2 1 10"), List.of("1>n3@30"), 2,
                        "0 cluster"),
                arguments("in flight holds its lane; the queued VM waits for it", List.of("n1>n2 1 10"),
                        List.of("2>n3@5", "1"), 1, "25 cluster"),
                arguments("more under way than lanes (someone else's too): all run", List.of("n1>n2 1 10"),
                        List.of("1>n3@0", "1>n4@0", "1>n5@0"), 1, "10 cluster"),
                arguments("a VM of unknown memory: no estimate", List.of("n1>n2 1 10"), List.of("0"), 1, "none"),
                arguments("fractions round up", List.of("n1>n2 3 10"), List.of("1"), 1, "4 cluster"),
                arguments("setup apart: the mean setup plus memory at the transfer rate", List.of("n1>n2 1 6 4"),
                        List.of("4"), 1, "12 cluster"),
                arguments("setup apart: a small VM measured, a large one predicted",
                        List.of("n1>n2 1 6 4", "n3>n4 2 10 6"), List.of("8"), 1, "21 cluster"),
                arguments("setup apart: in flight has done its elapsed part", List.of("n1>n2 1 6 4"),
                        List.of("4>n3@5"), 1, "7 cluster"),
                arguments("a sample without setup time: whole durations for all", List.of("n1>n2 1 6 4", "n3>n4 1 10"),
                        List.of("2"), 1, "16 cluster"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void estimate(String name, List<String> finished, List<String> moves, int lanes, String expected) {
        TransferRates rates = new TransferRates();
        int i = 0;
        for (String f : finished) {
            String[] p = f.split("[ >]");
            rates.record(new TransferRates.Sample("default/m" + i++, p[0], p[1], gib(p[2]),
                    Duration.ofSeconds(Long.parseLong(p[3])), p.length > 4 ? Duration.ofSeconds(Long.parseLong(p[4])) : null));
        }
        List<EtaEstimate.Move> list = new ArrayList<>();
        for (String m : moves) {
            String[] at = m.split("@");
            String[] p = at[0].split(">");
            String target = p.length > 1 ? p[1] : null;
            list.add(at.length > 1 ? EtaEstimate.Move.inFlight("default/vm" + i++, gib(p[0]), target,
                    Duration.ofSeconds(Long.parseLong(at[1])))
                    : EtaEstimate.Move.queued("default/vm" + i++, gib(p[0]), target));
        }
        String got = EtaEstimate.estimate("n1", list, rates.history(), lanes)
                .map(e -> e.seconds() + " " + e.basis().wire()).orElse("none");
        assertThat(got).isEqualTo(expected);
    }

    private static long gib(String n) {
        return Long.parseLong(n) << 30;
    }
}
