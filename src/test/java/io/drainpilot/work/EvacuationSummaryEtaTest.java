package io.drainpilot.work;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Instant;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * When the estimate alone rewrites the summary. Each row: the ETA written at 12:00:00 (null: none), the ETA now,
 * seconds since then, and whether it is written.
 */
class EvacuationSummaryEtaTest {

    static Stream<Arguments> rows() {
        return Stream.of(
                arguments("no estimate before or now", null, null, 5, false),
                arguments("the first estimate", null, 300L, 5, true),
                arguments("the estimate went (no rate any more)", 300L, null, 5, true),
                arguments("counting down as predicted", 300L, 200L, 100, false),
                arguments("moved by less than 30 s", 300L, 225L, 100, false),
                arguments("moved by more than 30 s", 300L, 240L, 100, true),
                arguments("long drain: 10 % of the time left is the bar", 3600L, 3650L, 0, false),
                arguments("long drain: more than 10 % moves it", 3600L, 4100L, 0, true),
                arguments("earlier than predicted also counts", 300L, 100L, 100, true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void etaMoved(String name, Long before, Long now, int secondsLater, boolean written) {
        EvacuationSummary b = EvacuationSummary.started("2026-01-01T12:00:00Z").withEta(before);
        EvacuationSummary a = b.withEta(now);
        assertThat(EvacuationSummary.etaMoved(b, a, Instant.parse("2026-01-01T12:00:00Z").plusSeconds(secondsLater)))
                .isEqualTo(written);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void roundTripsThroughJson(String name, Long before, Long now, int secondsLater, boolean written) {
        EvacuationSummary s = EvacuationSummary.started("2026-01-01T12:00:00Z").withEta(now);
        assertThat(EvacuationSummary.parse(s.toJson())).isEqualTo(s);
        assertThat(s.toJson().contains("etaSeconds")).isEqualTo(now != null);
    }
}
