package io.drainpilot.sim;

/**
 * How fast the simulated KubeVirt runs.
 *
 * @param tickMillis     period of the simulator loop
 * @param bandwidthMiBps migration throughput: a migration's Running phase lasts memory / bandwidth
 * @param timeScale      multiplies every KubeVirt timeout and duration (0.01 turns 300 s into 3 s)
 * @param seed           seed of the small duration jitter, so runs are repeatable
 */
public record SimSettings(long tickMillis, double bandwidthMiBps, double timeScale, long seed) {

    public SimSettings {
        if (tickMillis <= 0 || bandwidthMiBps <= 0 || timeScale <= 0) {
            throw new IllegalArgumentException("tickMillis, bandwidthMiBps and timeScale must be positive");
        }
    }

    /** 1Gi migrates in about half a second; the 300 s unschedulable timeout becomes 3 s. */
    public static SimSettings forTests() {
        return new SimSettings(20, 20, 0.01, 42);
    }

    /** 1Gi migrates in about two seconds, timeouts are real. */
    public static SimSettings forDemo() {
        return new SimSettings(100, 512, 1.0, 42);
    }

    /** A KubeVirt duration in seconds as wall-clock milliseconds in this simulation. */
    public long scaledMillis(double kubevirtSeconds) {
        return Math.round(kubevirtSeconds * 1000 * timeScale);
    }
}
