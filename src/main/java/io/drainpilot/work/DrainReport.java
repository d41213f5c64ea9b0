package io.drainpilot.work;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.util.List;
import java.util.Locale;

/**
 * What one drain of one node did, kept as {@code report.json} (this record) and {@code report.txt} ({@link #text()})
 * in a ConfigMap once the drain ends. Field names are the documented wire format (README, "Drain reports"); times
 * are RFC 3339, memory in bytes.
 *
 * @param end     how the drain ended ({@link DrainEnd} wire name)
 * @param signals the drain signals that started it
 * @param vms     every VM the drain dealt with, sorted by namespace/name
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonPropertyOrder({"node", "drainId", "end", "signals", "startedAt", "endedAt", "counts", "memoryMovedBytes", "vms",
        "nodeAlerts"})
public record DrainReport(String node, String drainId, String end, List<String> signals, String startedAt,
        String endedAt, Counts counts, long memoryMovedBytes, List<Vm> vms, List<AlertNotes.Note> nodeAlerts) {

    /** What a VM that the drain had not dealt with yet when it ended shows as its outcome. */
    public static final String UNFINISHED = "unfinished";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** VMs per outcome; {@code unfinished}: still on the node (or migrating) when the drain ended. */
    public record Counts(int total, int migrated, int fellBack, int blocked, int stoppedByHarvester, int gone,
            int unfinished) {
    }

    /**
     * One VM.
     *
     * @param outcome          an {@link Outcome} wire name, or {@link #UNFINISHED}
     * @param attempts         DrainPilot's migration attempts in this drain
     * @param firstMigrationAt when the first migration (anyone's) in this drain was created
     * @param succeededAt      when the migration that moved it succeeded
     * @param durationSeconds  from the first migration created to the one that succeeded
     * @param memoryBytes      the VM's memory (moved, when it migrated)
     * @param fallback         the fallback policy applied, if one was
     * @param fallbackReason   why: the alert that went with it ({@code Reason: detail})
     * @param migrations       each migration of this drain still in the cluster, oldest first (a failed one of
     *                         DrainPilot's is deleted once recovery decided: its alert says why it failed)
     * @param alerts           the alerts raised about it in this drain
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Vm(String namespace, String name, String outcome, String sourceNode, String targetNode,
            int attempts, String firstMigrationAt, String succeededAt, Long durationSeconds, Long memoryBytes,
            String fallback, String fallbackReason, List<Migration> migrations, List<AlertNotes.Note> alerts) {
    }

    /** One migration: its name, DrainPilot's attempt number (null for someone else's), how it ended. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Migration(String name, Integer attempt, String phase, String targetNode, String createdAt,
            String endedAt, String failureReason) {
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static DrainReport parse(String json) {
        try {
            return JSON.readValue(json, DrainReport.class);
        } catch (Exception e) {
            return null;
        }
    }

    /** One line for an Event: the counts and where the report is. */
    public String summary(String where) {
        return "drain " + drainId + " " + end + ": " + counts.total() + " VM(s): " + counts.migrated() + " migrated, "
                + counts.fellBack() + " fell back, " + counts.blocked() + " blocked, " + counts.stoppedByHarvester()
                + " stopped by Harvester, " + counts.gone() + " gone, " + counts.unfinished() + " unfinished; "
                + human(memoryMovedBytes) + " moved; report: " + where;
    }

    /** The report for people: a header, one block per VM. */
    public String text() {
        StringBuilder sb = new StringBuilder();
        sb.append("DrainPilot drain report\n");
        sb.append("node:     ").append(node).append('\n');
        sb.append("drain:    ").append(drainId).append(" (").append(end).append(")\n");
        sb.append("signals:  ").append(signals == null || signals.isEmpty() ? "-" : String.join(", ", signals)).append('\n');
        sb.append("started:  ").append(orDash(startedAt)).append('\n');
        sb.append("ended:    ").append(orDash(endedAt)).append('\n');
        sb.append("VMs:      ").append(counts.total()).append(": ").append(counts.migrated()).append(" migrated, ")
                .append(counts.fellBack()).append(" fell back, ").append(counts.blocked()).append(" blocked, ")
                .append(counts.stoppedByHarvester()).append(" stopped by Harvester, ").append(counts.gone())
                .append(" gone, ").append(counts.unfinished()).append(" unfinished\n");
        sb.append("moved:    ").append(human(memoryMovedBytes)).append('\n');
        for (Vm v : vms) {
            sb.append('\n').append(v.namespace()).append('/').append(v.name()).append(": ").append(v.outcome());
            if (v.targetNode() != null) {
                sb.append(", ").append(v.sourceNode()).append(" -> ").append(v.targetNode());
            }
            sb.append(", ").append(v.attempts()).append(" attempt(s)");
            if (v.durationSeconds() != null) {
                sb.append(", ").append(v.durationSeconds()).append(" s");
            }
            if (v.memoryBytes() != null) {
                sb.append(", ").append(human(v.memoryBytes()));
            }
            sb.append('\n');
            if (v.fallback() != null) {
                sb.append("  fallback: ").append(v.fallback())
                        .append(v.fallbackReason() == null ? "" : " (" + v.fallbackReason() + ")").append('\n');
            }
            for (Migration m : v.migrations()) {
                sb.append("  migration ").append(m.name()).append(m.attempt() == null ? " (not DrainPilot's)" : " (attempt " + m.attempt() + ")")
                        .append(": ").append(m.phase() == null || m.phase().isEmpty() ? "created" : m.phase())
                        .append(m.targetNode() == null ? "" : " to " + m.targetNode())
                        .append(m.failureReason() == null ? "" : ": " + m.failureReason()).append('\n');
            }
            for (AlertNotes.Note a : v.alerts()) {
                sb.append("  alert ").append(line(a)).append('\n');
            }
        }
        if (nodeAlerts != null && !nodeAlerts.isEmpty()) {
            sb.append("\nnode alerts:\n");
            nodeAlerts.forEach(a -> sb.append("  ").append(line(a)).append('\n'));
        }
        return sb.toString();
    }

    private static String line(AlertNotes.Note a) {
        return orDash(a.at()) + " [" + a.severity() + "] " + a.reason() + " -> " + a.action()
                + (a.detail() == null ? "" : ": " + a.detail())
                + (a.omitted() > 0 ? " (" + a.omitted() + " earlier alert(s) not kept)" : "");
    }

    private static String orDash(String s) {
        return s == null ? "-" : s;
    }

    static String human(long bytes) {
        double gi = 1024.0 * 1024 * 1024;
        if (bytes >= gi) {
            return String.format(Locale.ROOT, "%.1f GiB", bytes / gi);
        }
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024));
    }
}
