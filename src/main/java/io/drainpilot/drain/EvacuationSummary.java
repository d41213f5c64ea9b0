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
        return new EvacuationSummary(Math.max(total, migrated + 1), migrated + 1, pending, Math.max(0, inFlight - 1),
                failed, fellBack, startedAt, updatedAt);
    }

    /** One more VM handled by its fallback policy (it may have left the node, so the scan cannot count it). */
    public EvacuationSummary plusFellBack() {
        return new EvacuationSummary(total, migrated, pending, inFlight, failed, fellBack + 1, startedAt, updatedAt);
    }

    /**
     * What a scan sees on the node now. Migrations and fallbacks are counted as they happen; the total is every
     * VM the drain has had to deal with: those still on the node plus those migrated off it, and it never shrinks.
     */
    public EvacuationSummary withCounts(int pending, int inFlight, int failed, int onNode) {
        return new EvacuationSummary(Math.max(total, onNode + migrated), migrated, pending, inFlight, failed, fellBack,
                startedAt, updatedAt);
    }

    public EvacuationSummary at(String now) {
        return new EvacuationSummary(total, migrated, pending, inFlight, failed, fellBack, startedAt, now);
    }

    public boolean sameCounts(EvacuationSummary o) {
        return total == o.total && migrated == o.migrated && pending == o.pending && inFlight == o.inFlight
                && failed == o.failed && fellBack == o.fellBack;
    }


    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
