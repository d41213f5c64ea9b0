package io.drainpilot.sim;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** Kubernetes metav1.Time: RFC 3339 with second precision. */
final class Timestamps {
    private Timestamps() {
    }

    static String now() {
        return of(Instant.now());
    }

    static String of(Instant instant) {
        return instant.truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
