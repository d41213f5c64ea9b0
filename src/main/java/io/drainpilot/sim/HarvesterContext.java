package io.drainpilot.sim;

import io.fabric8.kubernetes.client.KubernetesClient;

import java.time.Duration;

/** What the simulated Harvester and Rancher controllers share: the API, the record, the upgrade and the clock scale. */
record HarvesterContext(KubernetesClient client, HarvesterWriter writer, HarvesterRecord record, HarvesterSpec spec,
                        SimSettings settings) {

    HarvesterVersion version() {
        return spec.version();
    }

    HarvesterTimings timings() {
        return spec.timings();
    }

    /** A real-world duration as it passes in this simulation. */
    Duration scaled(double seconds) {
        return Duration.ofMillis(settings.scaledMillis(seconds));
    }
}
