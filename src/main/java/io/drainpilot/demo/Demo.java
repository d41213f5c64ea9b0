package io.drainpilot.demo;

import io.drainpilot.CommandLine;

/** Placeholder replaced below once the simulated cluster lands. */
public final class Demo {
    private Demo() {
    }

    public static int run(CommandLine cli) {
        throw new UnsupportedOperationException("demo");
    }
}
