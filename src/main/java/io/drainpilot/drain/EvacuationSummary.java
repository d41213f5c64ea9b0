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

    public EvacuationSummary withMigrated(int n, String now) {
        return new EvacuationSummary(Math.max(total, n + pending + inFlight + failed + fellBack), n, pending,
                inFlight, failed, fellBack, startedAt, now);
    }

    public EvacuationSummary withCounts(int pending, int inFlight, int failed, int fellBack, String now) {
        int t = Math.max(total, migrated + pending + inFlight + failed + fellBack);
        return new EvacuationSummary(t, migrated, pending, inFlight, failed, fellBack, startedAt, now);
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
