package io.drainpilot.plan;

import io.drainpilot.kubevirt.MigrationPhase;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.kubevirt.VirtualMachineInstanceMigration;
import io.drainpilot.names.Bookkeeping;
import io.drainpilot.names.Names;
import io.drainpilot.work.AlertNotes;
import io.drainpilot.work.DrainEnd;
import io.drainpilot.work.DrainMarks;
import io.drainpilot.work.DrainReport;
import io.drainpilot.work.Outcome;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Builds a drain's report from what the drain recorded in the cluster: the node's outcome record, signals, summary
 * and alert notes, the drain's migrations still in the cluster (DrainPilot's carry the drain id, the attempt and the
 * VM's memory; those of others count when created during the drain; a failed one of DrainPilot's is deleted once
 * recovery has decided, and its alert, with the failure and the attempt count, is what stays) and the VMIs' marks. Nothing comes from a process's memory, so a new
 * leader writes the same report. Pure.
 */
public final class DrainReportBuilder {
    private static final Set<String> FALLBACK_ACTIONS = Set.of(Outcome.SHUTDOWN_RESTART.wire(), Outcome.RELEASE.wire(),
            Outcome.BLOCK.wire());

    /**
     * What a report is built from.
     *
     * @param outcomes   the node's outcome record ({@code drainpilot.io/outcomes})
     * @param migrations migrations from the node (anyone's); the builder keeps those of this drain
     * @param vmis       the VMIs known by key {@code ns/name} (on the node now, or where they went)
     * @param onNode     keys of the VMs still on the node when the drain ended
     * @param alerts     the node's alert notes ({@code drainpilot.io/alerts})
     */
    public record Facts(String node, String drainId, DrainEnd end, List<String> signals, String startedAt,
            String endedAt, Map<String, Outcome> outcomes, List<VirtualMachineInstanceMigration> migrations,
            Map<String, VirtualMachineInstance> vmis, Set<String> onNode, Map<String, List<AlertNotes.Note>> alerts) {
    }

    private DrainReportBuilder() {
    }

    public static DrainReport build(Facts f) {
        Instant started = instant(f.startedAt()).orElse(null);
        List<VirtualMachineInstanceMigration> ofDrain = f.migrations().stream()
                .filter(m -> m.vmiName() != null && m.getMetadata() != null)
                .filter(m -> Triage.isOurs(m) ? f.drainId().equals(label(m, Bookkeeping.MIGRATION_DRAIN))
                        : started == null || !created(m).map(c -> c.isBefore(started)).orElse(false))
                .sorted(Comparator.comparing((VirtualMachineInstanceMigration m) -> created(m).orElse(Instant.EPOCH))
                        .thenComparing(m -> m.getMetadata().getName()))
                .toList();
        Set<String> keys = new TreeSet<>(f.outcomes().keySet());
        keys.addAll(f.onNode());
        f.alerts().keySet().stream().filter(k -> !AlertNotes.NODE.equals(k)).forEach(keys::add);
        ofDrain.forEach(m -> keys.add(key(m)));

        List<DrainReport.Vm> vms = new ArrayList<>();
        int migrated = 0;
        int fellBack = 0;
        int blocked = 0;
        int harvester = 0;
        int gone = 0;
        int unfinished = 0;
        long moved = 0;
        for (String key : keys) {
            List<VirtualMachineInstanceMigration> ms = ofDrain.stream().filter(m -> key.equals(key(m))).toList();
            VirtualMachineInstance vmi = f.vmis().get(key);
            Outcome outcome = f.outcomes().get(key);
            DrainMarks marks = vmi == null ? DrainMarks.NONE : DrainMarks.of(vmi, DrainMarks.drainKey(f.node(), f.drainId()));
            int attempts = marks.attempts();
            for (VirtualMachineInstanceMigration m : ms) {
                attempts = Math.max(attempts, attempt(m).orElse(0));
            }
            List<AlertNotes.Note> alerts = f.alerts().getOrDefault(key, List.of());
            // a failed migration is deleted once recovery has decided; its alert keeps the attempt count
            for (AlertNotes.Note a : alerts) {
                attempts = Math.max(attempts, a.attempts());
            }
            Optional<VirtualMachineInstanceMigration> succeeded = ms.stream()
                    .filter(m -> m.phase() == MigrationPhase.SUCCEEDED).reduce((a, b) -> b);
            String target = succeeded.map(DrainReportBuilder::targetOf).orElse(null);
            if (target == null && outcome == Outcome.MIGRATED && vmi != null) {
                target = vmi.nodeName().filter(n -> !n.equals(f.node())).orElse(null);
            }
            String first = ms.isEmpty() ? null : created(ms.get(0)).map(Instant::toString).orElse(null);
            String succeededAt = succeeded.flatMap(m -> transition(m, MigrationPhase.SUCCEEDED)).map(Instant::toString)
                    .orElse(null);
            Long duration = first != null && succeededAt != null
                    ? Duration.between(Instant.parse(first), Instant.parse(succeededAt)).toSeconds() : null;
            Long memory = ms.stream().map(m -> annotation(m, Bookkeeping.MIGRATION_MEMORY)).filter(v -> v != null)
                    .map(DrainReportBuilder::parseLong).filter(v -> v != null).findFirst()
                    .orElseGet(() -> vmi == null ? null : VmiMemory.bytes(vmi).isPresent() ? VmiMemory.bytes(vmi).getAsLong() : null);
            String fallback = marks.settled() != null ? marks.settled()
                    : outcome != null && FALLBACK_ACTIONS.contains(outcome.wire()) ? outcome.wire() : null;
            String fallbackReason = null;
            if (fallback != null) {
                fallbackReason = alerts.stream().filter(a -> a.action() != null && FALLBACK_ACTIONS.contains(a.action())).reduce((a, b) -> b)
                        .map(a -> a.reason() + (a.detail() == null ? "" : ": " + a.detail())).orElse(null);
            }
            String shown = outcome == null ? DrainReport.UNFINISHED : outcome.wire();
            if (outcome == null) {
                unfinished++;
            } else if (outcome == Outcome.MIGRATED) {
                migrated++;
                moved += memory == null ? 0 : memory;
            } else if (outcome.fellBack()) {
                fellBack++;
            } else if (outcome == Outcome.BLOCK) {
                blocked++;
            } else if (outcome == Outcome.STOPPED_BY_HARVESTER) {
                harvester++;
            } else if (outcome == Outcome.GONE) {
                gone++;
            }
            int slash = key.indexOf('/');
            vms.add(new DrainReport.Vm(key.substring(0, slash), key.substring(slash + 1), shown, f.node(), target,
                    attempts, first, succeededAt, duration, memory, fallback, fallbackReason,
                    ms.stream().map(DrainReportBuilder::migration).toList(), alerts));
        }
        DrainReport.Counts counts = new DrainReport.Counts(vms.size(), migrated, fellBack, blocked, harvester, gone,
                unfinished);
        return new DrainReport(f.node(), f.drainId(), f.end().wire(), f.signals(), f.startedAt(), f.endedAt(), counts,
                moved, vms, f.alerts().getOrDefault(AlertNotes.NODE, List.of()));
    }

    private static DrainReport.Migration migration(VirtualMachineInstanceMigration m) {
        Optional<Instant> ended = transition(m, MigrationPhase.SUCCEEDED).or(() -> transition(m, MigrationPhase.FAILED));
        String failure = m.getStatus() == null || m.getStatus().migrationState == null ? null
                : m.getStatus().migrationState.failureReason;
        return new DrainReport.Migration(m.getMetadata().getName(), Triage.isOurs(m) ? attempt(m).orElse(null) : null,
                m.phase().wire(), targetOf(m), created(m).map(Instant::toString).orElse(null),
                ended.map(Instant::toString).orElse(null), failure);
    }

    private static String targetOf(VirtualMachineInstanceMigration m) {
        return m.getStatus() == null || m.getStatus().migrationState == null ? null : m.getStatus().migrationState.targetNode;
    }

    private static Optional<Integer> attempt(VirtualMachineInstanceMigration m) {
        try {
            return Optional.of(Integer.parseInt(label(m, Bookkeeping.MIGRATION_ATTEMPT)));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private static Optional<Instant> transition(VirtualMachineInstanceMigration m, MigrationPhase phase) {
        if (m.getStatus() == null || m.getStatus().phaseTransitionTimestamps == null) {
            return Optional.empty();
        }
        return m.getStatus().phaseTransitionTimestamps.stream().filter(t -> phase.wire().equals(t.phase))
                .map(t -> instant(t.phaseTransitionTimestamp)).flatMap(Optional::stream).reduce((a, b) -> b);
    }

    private static Optional<Instant> created(VirtualMachineInstanceMigration m) {
        return instant(m.getMetadata().getCreationTimestamp());
    }

    private static Optional<Instant> instant(String s) {
        try {
            return s == null ? Optional.empty() : Optional.of(Instant.parse(s));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private static Long parseLong(String s) {
        try {
            return Long.parseLong(s.trim());
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static String key(VirtualMachineInstanceMigration m) {
        return m.getMetadata().getNamespace() + "/" + m.vmiName();
    }

    private static String label(VirtualMachineInstanceMigration m, String key) {
        return m.getMetadata().getLabels() == null ? null : m.getMetadata().getLabels().get(key);
    }

    private static String annotation(VirtualMachineInstanceMigration m, String key) {
        return m.getMetadata().getAnnotations() == null ? null : m.getMetadata().getAnnotations().get(key);
    }

    /** The label selector of every report. */
    public static String selector() {
        return Names.REPORT + "=true";
    }
}
