package io.drainpilot.work;

import java.util.Arrays;

/** How a drain ended, as its report says. Wire names are fixed. */
public enum DrainEnd {
    /** Every VM is dealt with and the drain was released. */
    COMPLETED("Completed"),
    /** {@code drainpilot.io/cancel} stopped it. */
    CANCELLED("Cancelled"),
    /** The drain signal went away before the drain was done. */
    WITHDRAWN("Withdrawn"),
    /** The Node object was deleted during the drain. */
    NODE_GONE("NodeGone");

    private final String wire;

    DrainEnd(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    public static DrainEnd of(String wire) {
        return Arrays.stream(values()).filter(e -> e.wire.equals(wire)).findFirst().orElse(null);
    }
}
