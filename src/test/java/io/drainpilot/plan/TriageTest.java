package io.drainpilot.plan;

import io.drainpilot.cpu.TestVmis;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.kubevirt.VirtualMachineInstanceMigration;
import io.drainpilot.names.Bookkeeping;
import io.drainpilot.names.Names;
import io.drainpilot.work.VmState;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** The first look at a VM of a draining node, one row per rule. */
class TriageTest {
    private static final Instant NOW = Instant.parse("2026-11-30T12:00:00Z");
    private static final String DRAIN = "ab12cd";
    private static final String OTHER_DRAIN = "zz99yy";

    static Stream<Arguments> rows() {
        return Stream.of(
                arguments("plain VM: planned", vmi(), false, List.of(), "block", VmState.PLANNED, null),
                arguments("skip label on the VMI", vmi().label(Names.SKIP, "true"), false, List.of(), "block",
                        VmState.SKIPPED, "labelled drainpilot.io/skip"),
                arguments("skip label on the VM", vmi(), true, List.of(), "block", VmState.SKIPPED, "VM labelled drainpilot.io/skip"),
                arguments("no status.nodeName", TestVmis.vmi("a"), false, List.of(), "block", VmState.SKIPPED, "no status.nodeName"),
                arguments("our migration running", vmi(), false, List.of(ours("m1", "Running", DRAIN, 1)), "block",
                        VmState.MIGRATING, "migration m1"),
                arguments("someone else's migration pending", vmi(), false, List.of(theirs("kubevirt-evacuation-x", "Pending")),
                        "block", VmState.ADOPTED, "adopted migration kubevirt-evacuation-x"),
                arguments("someone else's migration just created (no phase)", vmi(), false, List.of(theirs("by-hand", null)),
                        "block", VmState.ADOPTED, "adopted migration by-hand"),
                arguments("ours of this drain ended, not settled", vmi(), false, List.of(ours("m1", "Failed", DRAIN, 1)),
                        "block", VmState.SETTLING, "migration m1 Failed"),
                arguments("ours of an earlier drain ended: not this drain's business", vmi(), false,
                        List.of(ours("m0", "Failed", OTHER_DRAIN, 3)), "block", VmState.PLANNED, null),
                arguments("someone else's ended: planned", vmi(), false, List.of(theirs("old", "Succeeded")), "block",
                        VmState.PLANNED, null),
                arguments("backoff running", marked(Bookkeeping.RETRY_AFTER, "2026-11-30T12:00:30Z"), false, List.of(),
                        "block", VmState.WAITING, "retry after 2026-11-30T12:00:30Z"),
                arguments("backoff over", marked(Bookkeeping.RETRY_AFTER, "2026-11-30T11:59:30Z"), false, List.of(),
                        "block", VmState.PLANNED, null),
                arguments("fallback applied", marked(Bookkeeping.SETTLED, "release"), false, List.of(), "release",
                        VmState.SETTLED, "fallback release applied"),
                arguments("held, still block", marked(Bookkeeping.SETTLED, "block"), false, List.of(), "block",
                        VmState.SETTLED, "fallback block applied"),
                arguments("held, owner chose another fallback: decided again", marked(Bookkeeping.SETTLED, "block"), false,
                        List.of(), "release", VmState.PLANNED, null),
                arguments("marks of another drain do not count", markedFor("node-1/" + OTHER_DRAIN, Bookkeeping.SETTLED, "release"),
                        false, List.of(), "release", VmState.PLANNED, null),
                arguments("marks of another node's drain do not count", markedFor("node-7/" + DRAIN, Bookkeeping.RETRY_AFTER,
                        "2026-11-30T12:00:30Z"), false, List.of(), "block", VmState.PLANNED, null),
                arguments("stopped by someone else: never planned", vmi().deleted("2026-11-30T11:59:50Z"), false, List.of(),
                        "block", VmState.STOPPING, "shutting down (deleted at 2026-11-30T11:59:50Z)"),
                arguments("stopped by our fallback, still shutting down", marked(Bookkeeping.SETTLED, "shutdown-restart")
                        .deleted("2026-11-30T11:59:50Z"), false, List.of(), "shutdown-restart", VmState.SETTLED,
                        "fallback shutdown-restart applied"),
                arguments("stopped in a backoff: not planned when the backoff ends", marked(Bookkeeping.RETRY_AFTER,
                        "2026-11-30T11:59:30Z").deleted("2026-11-30T11:59:50Z"), false, List.of(), "block",
                        VmState.STOPPING, "shutting down (deleted at 2026-11-30T11:59:50Z)"),
                arguments("stopped while our migration runs: followed until it ends", vmi().deleted("2026-11-30T11:59:50Z"),
                        false, List.of(ours("m1", "Running", DRAIN, 1)), "block", VmState.MIGRATING, "migration m1"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void triage(String name, TestVmis vmi, boolean vmSkipped, List<VirtualMachineInstanceMigration> migrations,
            String fallback, VmState state, String note) {
        VirtualMachineInstance built = vmi.build();
        Triage.Result r = Triage.of(new Triage.Facts(built, vmSkipped, migrations, "node-1", DRAIN, fallback, NOW));
        assertThat(r.state()).isEqualTo(state);
        assertThat(r.note()).isEqualTo(note);
    }

    private static TestVmis vmi() {
        return TestVmis.vmi("a").on("node-1");
    }

    private static TestVmis marked(String key, String value) {
        return markedFor("node-1/" + DRAIN, key, value);
    }

    private static TestVmis markedFor(String drainKey, String key, String value) {
        return vmi().annotation(Bookkeeping.DRAIN, drainKey).annotation(key, value);
    }

    static VirtualMachineInstanceMigration ours(String name, String phase, String drain, int attempt) {
        Map<String, String> labels = new HashMap<>();
        labels.put(Names.MANAGED_BY, Names.MANAGED_BY_VALUE);
        labels.put(Names.SOURCE_NODE, "node-1");
        labels.put(Bookkeeping.MIGRATION_DRAIN, drain);
        labels.put(Bookkeeping.MIGRATION_ATTEMPT, String.valueOf(attempt));
        return migration(name, phase, labels);
    }

    static VirtualMachineInstanceMigration theirs(String name, String phase) {
        return migration(name, phase, Map.of());
    }

    static VirtualMachineInstanceMigration migration(String name, String phase, Map<String, String> labels) {
        VirtualMachineInstanceMigration m = new VirtualMachineInstanceMigration();
        m.setMetadata(new ObjectMetaBuilder().withNamespace("default").withName(name).withLabels(labels).build());
        m.setSpec(new VirtualMachineInstanceMigration.Spec());
        m.getSpec().vmiName = "a";
        if (phase != null) {
            m.setStatus(new VirtualMachineInstanceMigration.Status());
            m.getStatus().phase = phase;
        }
        return m;
    }
}
