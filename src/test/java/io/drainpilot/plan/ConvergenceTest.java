package io.drainpilot.plan;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class ConvergenceTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final Duration WINDOW = Duration.ofSeconds(60);

    @ParameterizedTest(name = "behind since {0}s, dirty {1}, transfer {2}, postCopy {3}, now {4}s -> since {5}, not converging {6}")
    @CsvSource(nullValues = "-", value = {
            // behindSince (s after T0), dirty, transfer, postCopy, now (s), expected behindSince, notConverging
            "-,  10, 20, false, 0,  -,  false",  // sends faster: fine
            "-,  20, 20, false, 0,  0,  false",  // equal: the clock starts
            "-,  30, 20, false, 5,  5,  false",
            "5,  30, 20, false, 64, 5,  false",  // 59 s behind
            "5,  30, 20, false, 65, 5,  true",   // the whole window
            "5,  10, 20, false, 65, -,  false",  // caught up: the clock stops
            "5,  30, 20, true,  65, -,  false",  // post-copy resends nothing
            "5,  -,  20, false, 65, -,  false",  // unknown rate: no verdict
            "5,  30, -,  false, 65, -,  false",
    })
    void judgesTheWholeWindow(Long since, Double dirty, Double transfer, boolean postCopy, long now, Long expectedSince,
                              boolean notConverging) {
        Convergence.Verdict v = Convergence.judge(since == null ? null : T0.plusSeconds(since), dirty, transfer,
                postCopy, T0.plusSeconds(now), WINDOW);
        assertThat(v.behindSince()).isEqualTo(expectedSince == null ? null : T0.plusSeconds(expectedSince));
        assertThat(v.notConverging()).isEqualTo(notConverging);
        assertThat(v.why() != null).isEqualTo(notConverging);
    }

    @Test
    void percentOfTheDataSent() {
        assertThat(Convergence.percent(250.0, 750.0)).isEqualTo(25.0);
        assertThat(Convergence.percent(1.0, 2.0)).isEqualTo(33.3);
        assertThat(Convergence.percent(null, 2.0)).isNull();
        assertThat(Convergence.percent(0.0, 0.0)).isNull();
    }
}
