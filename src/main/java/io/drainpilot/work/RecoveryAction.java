package io.drainpilot.work;

/** What recovery does for a VM; the wire names are the routes' branches, the alerts' actions and metric labels. */
public enum RecoveryAction {
    /** Try again after the backoff, preferring targets that have not failed it. */
    RETRY("retry"),
    /** Escalation rung 2: migrate again under DrainPilot's MigrationPolicy with auto-converge. */
    AUTO_CONVERGE("auto-converge"),
    /** Escalation rung 3: migrate again under DrainPilot's MigrationPolicy with post-copy (only VMs that allow it). */
    POST_COPY("post-copy"),
    /** Stop the VM and start it again once the node is released. */
    SHUTDOWN_RESTART("shutdown-restart"),
    /** Hold the drain for a person to decide. */
    BLOCK("block"),
    /** Let the drain go on anyway. */
    RELEASE("release"),
    /** Nothing to do any more (the VM left the node, another migration runs, the drain is over). */
    NONE("none");

    private final String wire;

    RecoveryAction(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    public static RecoveryAction ofFallback(String policy) {
        return switch (policy) {
            case "shutdown-restart" -> SHUTDOWN_RESTART;
            case "release" -> RELEASE;
            default -> BLOCK;
        };
    }

    @Override
    public String toString() {
        return wire;
    }
}
