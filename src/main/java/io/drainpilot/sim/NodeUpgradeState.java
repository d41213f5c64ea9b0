package io.drainpilot.sim;

/** A node's state in the Upgrade CR's {@code status.nodeStatuses}, with Harvester's wire names. */
public enum NodeUpgradeState {
    IMAGES_PRELOADING("Images preloading"),
    IMAGES_PRELOADED("Images preloaded"),
    /** v1.7+: the pause map holds the node; no pre-drain job until it is unpaused. */
    UPGRADE_PAUSED("Node-upgrade paused"),
    PRE_DRAINING("Pre-draining"),
    PRE_DRAINED("Pre-drained"),
    POST_DRAINING("Post-draining"),
    WAITING_REBOOT("Waiting Reboot"),
    SUCCEEDED("Succeeded"),
    FAILED("Failed");

    private final String wire;

    NodeUpgradeState(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    /** Null for a missing or unknown state. */
    public static NodeUpgradeState of(String wire) {
        for (NodeUpgradeState s : values()) {
            if (s.wire.equals(wire)) {
                return s;
            }
        }
        return null;
    }
}
