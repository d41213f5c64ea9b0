package io.drainpilot.plan;

import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.kubevirt.VirtualMachineInstanceMigration;
import io.drainpilot.kubevirt.VirtualMachineInstanceSpec;
import io.drainpilot.kubevirt.VirtualMachineInstanceStatus;
import io.drainpilot.names.Bookkeeping;
import io.drainpilot.names.Names;
import io.drainpilot.work.AlertNotes;
import io.drainpilot.work.DrainEnd;
import io.drainpilot.work.DrainReport;
import io.drainpilot.work.Outcome;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The drain report from what a drain recorded: one row per situation, the VM's line checked. */
class DrainReportBuilderTest {
    private static final String NODE = "node-1";
    private static final String DRAIN = "d1";
    private static final String STARTED = "2026-01-01T10:00:00Z";

    static VirtualMachineInstanceMigration ours(String vmi, int attempt, String phase, String created, String ended,
            String target, String failure, Long memory) {
        VirtualMachineInstanceMigration m = migration(vmi, "drainpilot-" + vmi + "-" + DRAIN + "-" + attempt, phase, created,
                ended, target, failure);
        m.getMetadata().setLabels(Map.of(Names.MANAGED_BY, Names.MANAGED_BY_VALUE, Names.SOURCE_NODE, NODE,
                Bookkeeping.MIGRATION_DRAIN, DRAIN, Bookkeeping.MIGRATION_ATTEMPT, String.valueOf(attempt)));
        if (memory != null) {
            m.getMetadata().setAnnotations(Map.of(Bookkeeping.MIGRATION_MEMORY, String.valueOf(memory)));
        }
        return m;
    }

    static VirtualMachineInstanceMigration migration(String vmi, String name, String phase, String created, String ended,
            String target, String failure) {
        VirtualMachineInstanceMigration m = new VirtualMachineInstanceMigration();
        m.setMetadata(new ObjectMetaBuilder().withNamespace("default").withName(name).withCreationTimestamp(created).build());
        VirtualMachineInstanceMigration.Spec spec = new VirtualMachineInstanceMigration.Spec();
        spec.vmiName = vmi;
        m.setSpec(spec);
        VirtualMachineInstanceMigration.Status st = new VirtualMachineInstanceMigration.Status();
        st.phase = phase;
        st.phaseTransitionTimestamps = new ArrayList<>();
        if (ended != null) {
            VirtualMachineInstanceMigration.PhaseTransition t = new VirtualMachineInstanceMigration.PhaseTransition();
            t.phase = phase;
            t.phaseTransitionTimestamp = ended;
            st.phaseTransitionTimestamps.add(t);
        }
        st.migrationState = new VirtualMachineInstanceMigration.MigrationStateRef();
        st.migrationState.sourceNode = NODE;
        st.migrationState.targetNode = target;
        st.migrationState.failureReason = failure;
        m.setStatus(st);
        return m;
    }

    static VirtualMachineInstance vmi(String name, String node, String memory, Map<String, String> annotations) {
        VirtualMachineInstance v = new VirtualMachineInstance();
        v.setMetadata(new ObjectMetaBuilder().withNamespace("default").withName(name).withAnnotations(annotations).build());
        VirtualMachineInstanceSpec spec = new VirtualMachineInstanceSpec();
        spec.domain = new VirtualMachineInstanceSpec.Domain();
        spec.domain.resources = new VirtualMachineInstanceSpec.Resources();
        spec.domain.resources.requests = Map.of("memory", memory);
        v.setSpec(spec);
        VirtualMachineInstanceStatus status = new VirtualMachineInstanceStatus();
        status.nodeName = node;
        status.phase = "Running";
        v.setStatus(status);
        return v;
    }

    static AlertNotes.Note note(String reason, String action, String detail) {
        return note(reason, action, detail, 0);
    }

    static AlertNotes.Note note(String reason, String action, String detail, int attempts) {
        return new AlertNotes.Note("2026-01-01T10:01:00Z", "warning", reason, action, detail, attempts, 0);
    }

    /** One situation: the facts about VM "a", what its line must say. */
    record Row(String name, Map<String, Outcome> outcomes, List<VirtualMachineInstanceMigration> migrations,
            Map<String, VirtualMachineInstance> vmis, Set<String> onNode, Map<String, List<AlertNotes.Note>> alerts,
            Consumer<DrainReport.Vm> check) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arguments> rows() {
        long gib = 1L << 30;
        return Stream.of(
                new Row("migrated after one retry: attempts, target, time from the first migration, memory",
                        Map.of("default/a", Outcome.MIGRATED),
                        List.of(ours("a", 1, "Failed", "2026-01-01T10:00:05Z", "2026-01-01T10:00:09Z", "node-2",
                                "target pod crashed", gib),
                                ours("a", 2, "Succeeded", "2026-01-01T10:00:40Z", "2026-01-01T10:00:47Z", "node-3",
                                        null, gib)),
                        Map.of(), Set.of(), Map.of("default/a", List.of(note("MigrationFailed", "retry", "target pod crashed"))),
                        v -> {
                            assertThat(v.outcome()).isEqualTo("migrated");
                            assertThat(v.attempts()).isEqualTo(2);
                            assertThat(v.sourceNode()).isEqualTo(NODE);
                            assertThat(v.targetNode()).isEqualTo("node-3");
                            assertThat(v.firstMigrationAt()).isEqualTo("2026-01-01T10:00:05Z");
                            assertThat(v.succeededAt()).isEqualTo("2026-01-01T10:00:47Z");
                            assertThat(v.durationSeconds()).isEqualTo(42L);
                            assertThat(v.memoryBytes()).isEqualTo(gib);
                            assertThat(v.fallback()).isNull();
                            assertThat(v.migrations()).extracting(DrainReport.Migration::attempt).containsExactly(1, 2);
                            assertThat(v.migrations().get(0).failureReason()).isEqualTo("target pod crashed");
                            assertThat(v.alerts()).extracting(AlertNotes.Note::reason).containsExactly("MigrationFailed");
                        }),
                new Row("fell back after the last attempt, its failed migrations deleted and its VMI gone: the attempts,"
                        + " the fallback and why come from the alerts",
                        Map.of("default/a", Outcome.SHUTDOWN_RESTART), List.of(), Map.of(), Set.of(),
                        Map.of("default/a", List.of(note("MigrationFailed", "retry", "x", 1),
                                note("MigrationFailed", "retry", "x", 2),
                                note("MigrationFailed", "shutdown-restart", "never converges", 3))),
                        v -> {
                            assertThat(v.outcome()).isEqualTo("shutdown-restart");
                            assertThat(v.fallback()).isEqualTo("shutdown-restart");
                            assertThat(v.fallbackReason()).isEqualTo("MigrationFailed: never converges");
                            assertThat(v.targetNode()).isNull();
                            assertThat(v.durationSeconds()).isNull();
                            assertThat(v.attempts()).isEqualTo(3);
                        }),
                new Row("settled by its fallback mark, never migrated: memory from the VMI, attempts from its marks",
                        Map.of("default/a", Outcome.RELEASE), List.of(),
                        Map.of("default/a", vmi("a", NODE, "2Gi", Map.of(Bookkeeping.DRAIN, NODE + "/" + DRAIN,
                                Bookkeeping.SETTLED, "release", Names.ATTEMPTS, "0"))),
                        Set.of(), Map.of("default/a", List.of(note("NotMigratable", "release", "DisksNotLiveMigratable"))),
                        v -> {
                            assertThat(v.fallback()).isEqualTo("release");
                            assertThat(v.fallbackReason()).isEqualTo("NotMigratable: DisksNotLiveMigratable");
                            assertThat(v.memoryBytes()).isEqualTo(2 * gib);
                            assertThat(v.migrations()).isEmpty();
                        }),
                new Row("marks of another drain do not count",
                        Map.of("default/a", Outcome.MIGRATED), List.of(),
                        Map.of("default/a", vmi("a", "node-2", "1Gi", Map.of(Bookkeeping.DRAIN, NODE + "/old",
                                Bookkeeping.SETTLED, "block", Names.ATTEMPTS, "3"))),
                        Set.of(), Map.of(),
                        v -> {
                            assertThat(v.attempts()).isZero();
                            assertThat(v.fallback()).isNull();
                            assertThat(v.targetNode()).isEqualTo("node-2");
                        }),
                new Row("still on the node when the drain ended: unfinished",
                        Map.of(), List.of(ours("a", 1, "Running", "2026-01-01T10:00:05Z", null, "node-2", null, gib)),
                        Map.of(), Set.of("default/a"), Map.of(),
                        v -> {
                            assertThat(v.outcome()).isEqualTo(DrainReport.UNFINISHED);
                            assertThat(v.migrations()).extracting(DrainReport.Migration::phase).containsExactly("Running");
                        }),
                new Row("someone else's migration during the drain is listed (no attempt); one from before is not",
                        Map.of("default/a", Outcome.MIGRATED),
                        List.of(migration("a", "kubevirt-evacuation-old", "Failed", "2026-01-01T09:00:00Z",
                                        "2026-01-01T09:00:10Z", "node-2", "old"),
                                migration("a", "kubevirt-evacuation-x", "Succeeded", "2026-01-01T10:00:10Z",
                                        "2026-01-01T10:00:20Z", "node-4", null)),
                        Map.of(), Set.of(), Map.of(),
                        v -> {
                            assertThat(v.migrations()).extracting(DrainReport.Migration::name)
                                    .containsExactly("kubevirt-evacuation-x");
                            assertThat(v.migrations().get(0).attempt()).isNull();
                            assertThat(v.attempts()).isZero();
                            assertThat(v.targetNode()).isEqualTo("node-4");
                            assertThat(v.durationSeconds()).isEqualTo(10L);
                        }),
                new Row("a migration of ours from another drain is not this drain's",
                        Map.of("default/a", Outcome.BLOCK),
                        List.of(otherDrain(ours("a", 1, "Succeeded", "2026-01-01T10:00:05Z", "2026-01-01T10:00:09Z",
                                "node-2", null, gib))),
                        Map.of(), Set.of(), Map.of("default/a", List.of(note("NoCompatibleTarget", "block", "none fits"))),
                        v -> {
                            assertThat(v.migrations()).isEmpty();
                            assertThat(v.outcome()).isEqualTo("block");
                            assertThat(v.fallback()).isEqualTo("block");
                            assertThat(v.fallbackReason()).isEqualTo("NoCompatibleTarget: none fits");
                        }))
                .map(Arguments::of);
    }

    private static VirtualMachineInstanceMigration otherDrain(VirtualMachineInstanceMigration m) {
        Map<String, String> labels = new HashMap<>(m.getMetadata().getLabels());
        labels.put(Bookkeeping.MIGRATION_DRAIN, "old");
        m.getMetadata().setLabels(labels);
        return m;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void eachVmsLine(Row row) {
        DrainReport r = DrainReportBuilder.build(new DrainReportBuilder.Facts(NODE, DRAIN, DrainEnd.COMPLETED,
                List.of("annotation drainpilot.io/drain-requested"), STARTED, "2026-01-01T10:05:00Z", row.outcomes(),
                row.migrations(), row.vmis(), row.onNode(), row.alerts()));
        assertThat(r.vms()).hasSize(1);
        row.check().accept(r.vms().get(0));
        DrainReport back = DrainReport.parse(r.toJson());
        assertThat(back).isEqualTo(r);
        assertThat(r.text()).contains("default/a: " + r.vms().get(0).outcome());
    }

    @Test
    void countsMemoryMovedAndNodeAlerts() {
        long gib = 1L << 30;
        Map<String, Outcome> outcomes = Map.of("default/a", Outcome.MIGRATED, "default/b", Outcome.MIGRATED,
                "default/c", Outcome.SHUTDOWN_RESTART, "default/d", Outcome.STOPPED_BY_HARVESTER, "default/e", Outcome.GONE);
        List<VirtualMachineInstanceMigration> ms = List.of(
                ours("a", 1, "Succeeded", "2026-01-01T10:00:05Z", "2026-01-01T10:00:09Z", "node-2", null, gib),
                ours("b", 1, "Succeeded", "2026-01-01T10:00:05Z", "2026-01-01T10:00:09Z", "node-2", null, 3 * gib));
        DrainReport r = DrainReportBuilder.build(new DrainReportBuilder.Facts(NODE, DRAIN, DrainEnd.CANCELLED, List.of(),
                STARTED, "2026-01-01T10:05:00Z", outcomes, ms, Map.of(), Set.of("default/f"),
                Map.of(AlertNotes.NODE, List.of(note("UpgradeHeld", "hold", "paused")))));
        assertThat(r.counts()).isEqualTo(new DrainReport.Counts(6, 2, 1, 0, 1, 1, 1));
        assertThat(r.memoryMovedBytes()).isEqualTo(4 * gib);
        assertThat(r.end()).isEqualTo("Cancelled");
        assertThat(r.nodeAlerts()).extracting(AlertNotes.Note::reason).containsExactly("UpgradeHeld");
        assertThat(r.vms()).extracting(DrainReport.Vm::name).containsExactly("a", "b", "c", "d", "e", "f");
        assertThat(r.summary("ConfigMap x")).contains("6 VM(s): 2 migrated, 1 fell back").contains("ConfigMap x");
        assertThat(r.text()).contains("moved:    4.0 GiB").contains("UpgradeHeld -> hold");
    }
}
