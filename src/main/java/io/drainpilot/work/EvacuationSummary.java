package io.drainpilot.work;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.Map;

/**
 * The JSON in {@code drainpilot.io/evacuation-summary}: how far a node's evacuation is. Counts are VMs; timestamps
 * are RFC 3339. Migrated and fell-back counts are derived from the drain's outcome record (one entry per VM), so a
 * repeated write can never count a VM twice.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record EvacuationSummary(int total, int migrated, int pending, int inFlight, int failed, int fellBack,
        int stoppedByHarvester, String startedAt, String updatedAt) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public static EvacuationSummary started(String now) {
        return new EvacuationSummary(0, 0, 0, 0, 0, 0, 0, now, now);
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

    /** Migrated and fell-back counts from the outcome record; the total never shrinks. */
    public EvacuationSummary withOutcomes(Map<String, Outcome> outcomes) {
        int m = (int) outcomes.values().stream().filter(o -> o == Outcome.MIGRATED).count();
        int f = (int) outcomes.values().stream().filter(Outcome::fellBack).count();
        int h = (int) outcomes.values().stream().filter(o -> o == Outcome.STOPPED_BY_HARVESTER).count();
        return new EvacuationSummary(Math.max(total, outcomes.size()), m, pending, inFlight, failed, f, h, startedAt,
                updatedAt);
    }

    /**
     * What an evaluation sees on the node now.
     *
     * @param everyVm VMs this drain has dealt with: those on the node now plus those with an outcome already
     */
    public EvacuationSummary withCounts(int pending, int inFlight, int failed, int everyVm) {
        return new EvacuationSummary(Math.max(total, everyVm), migrated, pending, inFlight, failed, fellBack,
                stoppedByHarvester, startedAt, updatedAt);
    }

    public EvacuationSummary at(String now) {
        return new EvacuationSummary(total, migrated, pending, inFlight, failed, fellBack, stoppedByHarvester, startedAt, now);
    }

    public boolean sameCounts(EvacuationSummary o) {
        return total == o.total && migrated == o.migrated && pending == o.pending && inFlight == o.inFlight
                && failed == o.failed && fellBack == o.fellBack && stoppedByHarvester == o.stoppedByHarvester;
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
