package io.drainpilot.work;

/** Where one VM of a draining node stands in this drain. The wire names appear in the status page and JSON. */
public enum VmState {
    /** Labelled to be left alone, or its data is unusable. */
    SKIPPED("Skipped"),
    /** A migration of ours is under way. */
    MIGRATING("Migrating"),
    /** Someone else's migration is under way (KubeVirt's evacuation, a person): followed, never doubled. */
    ADOPTED("Adopted"),
    /** A migration of ours ended and is being settled. */
    SETTLING("Settling"),
    /** Waiting out the backoff after a failed attempt. */
    WAITING("Waiting"),
    /** Recovery applied its fallback for this drain. */
    SETTLED("Settled"),
    /** Being stopped by someone else (deletionTimestamp set): never moved; the release waits until it is gone. */
    STOPPING("Stopping"),
    /** To be planned: migrate, or recovery when it cannot. */
    PLANNED("Planned"),
    /** Planned to migrate, starting now. */
    STARTING("Starting"),
    /** Planned to migrate; no free slot now (caps), waits for one. */
    QUEUED("Queued");

    private final String wire;

    VmState(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    /** Still to move: counted as pending in the summary. */
    public boolean pending() {
        return this == WAITING || this == PLANNED || this == STARTING || this == QUEUED || this == SETTLING;
    }

    /** A migration is under way. */
    public boolean inFlight() {
        return this == MIGRATING || this == ADOPTED;
    }
}
