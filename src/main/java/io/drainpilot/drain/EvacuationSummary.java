package io.drainpilot.drain;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The JSON in {@code drainpilot.io/evacuation-summary}: how far a node's evacuation is.
 * Counts are VMs; timestamps are RFC 3339.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record EvacuationSummary(int total, int migrated, int pending, int inFlight, int failed, int fellBack,
        String startedAt, String updatedAt) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public static EvacuationSummary started(String now) {
        return new EvacuationSummary(0, 0, 0, 0, 0, 0, now, now);
    }

    /** The summary stored on a node, or null when there is none or it cannot be read. */
    public static EvacuationSummary parse(String json) {
        if (json == null || json.isBlank()) {
            return null;
        }
        try {
            return JSON.readValue(json, EvacuationSummary.class);
        } catch (Exception e) {
            return null;
        }
    }

    /** One more VM migrated off the node; it is no longer in flight. */
    public EvacuationSummary plusMigrated() {
        return new EvacuationSummary(total, migrated + 1, pending, Math.max(0, inFlight - 1), failed, fellBack,
                startedAt, updatedAt).grown();
    }

    /** One more VM handled by its fallback policy (it may have left the node, so the scan cannot count it). */
    public EvacuationSummary plusFellBack() {
        return new EvacuationSummary(total, migrated, pending, inFlight, failed, fellBack + 1, startedAt, updatedAt).grown();
    }

    /** What a scan sees on the node now; migrated and fallen-back VMs are counted as they happen. */
    public EvacuationSummary withCounts(int pending, int inFlight, int failed) {
        return new EvacuationSummary(total, migrated, pending, inFlight, failed, fellBack, startedAt, updatedAt).grown();
    }

    public EvacuationSummary at(String now) {
        return new EvacuationSummary(total, migrated, pending, inFlight, failed, fellBack, startedAt, now);
    }

    public boolean sameCounts(EvacuationSummary o) {
        return total == o.total && migrated == o.migrated && pending == o.pending && inFlight == o.inFlight
                && failed == o.failed && fellBack == o.fellBack;
    }

    /** Total never shrinks, and covers every VM counted in any column. */
    private EvacuationSummary grown() {
        int t = Math.max(total, migrated + pending + inFlight + failed + fellBack);
        return new EvacuationSummary(t, migrated, pending, inFlight, failed, fellBack, startedAt, updatedAt);
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
