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
        int stoppedByHarvester, String startedAt, String updatedAt, Long etaSeconds, int movedAgain) {

    /** Least change of the estimated end that is written on its own (counts unchanged). */
    public static final java.time.Duration ETA_MOVE = java.time.Duration.ofSeconds(30);
    /** ... or this share of the time left, whichever is more. */
    public static final double ETA_MOVE_SHARE = 0.10;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Without an estimate of the time left, outside an upgrade or before any VM moved a second time. */
    public EvacuationSummary(int total, int migrated, int pending, int inFlight, int failed, int fellBack,
            int stoppedByHarvester, String startedAt, String updatedAt) {
        this(total, migrated, pending, inFlight, failed, fellBack, stoppedByHarvester, startedAt, updatedAt, null, 0);
    }

    public static EvacuationSummary started(String now) {
        return new EvacuationSummary(0, 0, 0, 0, 0, 0, 0, now, now, null, 0);
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
                updatedAt, etaSeconds, movedAgain);
    }

    /**
     * What an evaluation sees on the node now.
     *
     * @param everyVm VMs this drain has dealt with: those on the node now plus those with an outcome already
     */
    public EvacuationSummary withCounts(int pending, int inFlight, int failed, int everyVm) {
        return new EvacuationSummary(Math.max(total, everyVm), migrated, pending, inFlight, failed, fellBack,
                stoppedByHarvester, startedAt, updatedAt, etaSeconds, movedAgain);
    }

    /** With the estimated time left (seconds from the next write), or null when there is no estimate. */
    public EvacuationSummary withEta(Long seconds) {
        return new EvacuationSummary(total, migrated, pending, inFlight, failed, fellBack, stoppedByHarvester, startedAt,
                updatedAt, seconds, movedAgain);
    }

    /**
     * @param count VMs migrated off this node that DrainPilot had migrated off another node of the same upgrade
     *              already (it never shrinks within a drain)
     */
    public EvacuationSummary withMovedAgain(int count) {
        return new EvacuationSummary(total, migrated, pending, inFlight, failed, fellBack, stoppedByHarvester,
                startedAt, updatedAt, etaSeconds, Math.max(movedAgain, count));
    }

    public EvacuationSummary at(String now) {
        return new EvacuationSummary(total, migrated, pending, inFlight, failed, fellBack, stoppedByHarvester, startedAt, now, etaSeconds,
                movedAgain);
    }

    public boolean sameCounts(EvacuationSummary o) {
        return total == o.total && migrated == o.migrated && pending == o.pending && inFlight == o.inFlight
                && failed == o.failed && fellBack == o.fellBack && stoppedByHarvester == o.stoppedByHarvester
                && movedAgain == o.movedAgain;
    }

    /**
     * Whether the annotation is worth writing for the estimate alone: it appeared or went, or the end it predicts
     * ({@code updatedAt + etaSeconds}) moved by more than {@link #ETA_MOVE} or {@link #ETA_MOVE_SHARE} of the time
     * left. An estimate that only counts down is never rewritten. Pure.
     *
     * @param now when {@code after} would be written
     */
    public static boolean etaMoved(EvacuationSummary before, EvacuationSummary after, java.time.Instant now) {
        Long was = before == null ? null : before.etaSeconds;
        Long is = after.etaSeconds;
        if (was == null || is == null) {
            return (was == null) != (is == null);
        }
        java.time.Instant predicted;
        try {
            predicted = java.time.Instant.parse(before.updatedAt).plusSeconds(was);
        } catch (RuntimeException e) {
            return true;
        }
        long moved = Math.abs(java.time.Duration.between(predicted, now.plusSeconds(is)).toSeconds());
        return moved > Math.max(ETA_MOVE.toSeconds(), (long) (is * ETA_MOVE_SHARE));
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
