package io.drainpilot.plan;

import io.drainpilot.cpu.TestVmis;
import io.drainpilot.work.VmState;
import io.drainpilot.work.VmWork;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** What holds a drain's release, one row per reason. */
class ReleaseRuleTest {

    static Stream<Arguments> rows() {
        return Stream.of(
                arguments("nothing left", List.of(vm(VmState.SKIPPED, null), vm(VmState.SETTLED, "fallback release applied")),
                        List.of(), List.of(), List.of(), false, List.of()),
                arguments("a VM queued", List.of(vm(VmState.QUEUED, "outbound cap 2")), List.of(), List.of(), List.of(),
                        false, List.of("1 VM(s) still to move")),
                arguments("a VM waiting out a backoff", List.of(vm(VmState.WAITING, "retry after ...")), List.of(), List.of(),
                        List.of(), false, List.of("1 VM(s) still to move")),
                arguments("an adopted migration", List.of(vm(VmState.ADOPTED, "adopted migration x")), List.of(), List.of(),
                        List.of(), false, List.of("1 migration(s) under way")),
                arguments("held by block", List.of(vm(VmState.SETTLED, "fallback block applied")), List.of(), List.of(),
                        List.of(), false, List.of("1 VM(s) held by the block fallback")),
                arguments("a VMI still scheduling on the node", List.of(), List.of("default/new (Scheduling)"), List.of(),
                        List.of(), false, List.of("VMIs not running yet on the node: default/new (Scheduling)")),
                arguments("a migration arriving", List.of(), List.of(), List.of("default/in-1"), List.of(),
                        false, List.of("migrations arriving on the node: default/in-1")),
                arguments("a migration of ours ended but not counted", List.of(), List.of(), List.of(),
                        List.of("default/drainpilot-a-x-1"), false,
                        List.of("migrations out of the node not settled yet: default/drainpilot-a-x-1")),
                arguments("evacuated before Rancher asked the pre-drain hooks", List.of(vm(VmState.SKIPPED, null)),
                        List.of(), List.of(), List.of(), true,
                        List.of("Rancher has not asked the pre-drain hooks yet: the hook is answered once it does")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void holds(String name, List<VmWork> vms, List<String> notRunning, List<String> incoming, List<String> unsettled,
            boolean preDrainAwaited, List<String> expected) {
        assertThat(ReleaseRule.holds(vms, notRunning, List.of(), incoming, unsettled, preDrainAwaited)).isEqualTo(expected);
    }

    @org.junit.jupiter.api.Test
    void aVmiShuttingDownHoldsTheReleaseUntilItIsGone() {
        // stopped by the shutdown-restart fallback, or by someone else: its guest still runs on the node
        List<VmWork> ours = List.of(vm(VmState.SETTLED, "fallback shutdown-restart applied"));
        assertThat(ReleaseRule.holds(ours, List.of(), List.of(), List.of(), List.of(), false))
                .as("stopped by DrainPilot, its VMI still on the node (deleted or about to be)")
                .containsExactly("1 VM(s) stopped by the shutdown-restart fallback not gone from the node yet");
        List<VmWork> theirs = List.of(vm(VmState.STOPPING, "shutting down (deleted at 2026-11-30T10:00:00Z)"));
        assertThat(ReleaseRule.holds(theirs, List.of(), List.of("default/b (Running)", "default/c (Succeeded)"), List.of(),
                List.of(), false)).containsExactly("VMIs still shutting down on the node: default/b (Running), default/c (Succeeded)");
        assertThat(ReleaseRule.holds(List.of(), List.of(), List.of(), List.of(), List.of(), false))
                .as("once gone, nothing holds").isEmpty();
    }

    private static VmWork vm(VmState state, String note) {
        return new VmWork("node-1", "node-1/d", TestVmis.vmi("a").on("node-1").build(), state, null, note, "block", null, 1, null);
    }
}
