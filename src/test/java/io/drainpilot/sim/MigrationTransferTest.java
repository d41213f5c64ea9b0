package io.drainpilot.sim;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class MigrationTransferTest {
    private static final double MIB = 1024 * 1024;
    private static final long GIB = 1L << 30;

    /** Runs the transfer in 1 s steps for at most {@code limit} seconds; returns the state it ended in. */
    private static MigrationTransfer.State run(MigrationTransfer t, int limit) {
        MigrationTransfer.State state = MigrationTransfer.State.RUNNING;
        for (int i = 0; i < limit && (state == MigrationTransfer.State.RUNNING
                || state == MigrationTransfer.State.SWITCHED_TO_POST_COPY); i++) {
            state = t.advance(1);
        }
        return state;
    }

    @ParameterizedTest(name = "dirty {1} MiB/s at {0} MiB/s, autoConverge={2}, postCopy={3} -> {4}")
    @CsvSource({
            // link, dirty, autoConverge, postCopy, completionTimeoutPerGiB, outcome, mode at the end, abort reason
            "20, 0,   false, false, 150, CONVERGED, PreCopy,  ''",
            "20, 10,  false, false, 150, CONVERGED, PreCopy,  ''",
            "20, 24,  false, false, 150, ABORTED,   PreCopy,  Live migration stuck for",
            "20, 20,  false, false, 150, ABORTED,   PreCopy,  Live migration stuck for",
            "20, 24,  true,  false, 150, CONVERGED, PreCopy,  ''",
            "20, 200, true,  false, 150, ABORTED,   PreCopy,  Live migration stuck for",
            // post-copy starts at the completion deadline; it must come before the progress timeout
            "20, 200, false, true,  150, ABORTED,   PreCopy,  Live migration stuck for",
            "20, 200, false, true,  30,  CONVERGED, PostCopy, ''",
            "20, 200, false, false, 30,  ABORTED,   PreCopy,  Live migration is not completed after 60 seconds",
    })
    void convergesOnlyWhenTheLinkBeatsTheDirtyRate(double link, double dirty, boolean autoConverge, boolean postCopy,
                                                  long completionPerGiB, MigrationTransfer.State outcome, String mode,
                                                  String reason) {
        MigrationTransfer t = new MigrationTransfer(GIB, new MigrationTransfer.Options(link * MIB, dirty * MIB,
                autoConverge, postCopy, 150, completionPerGiB));

        assertThat(run(t, 10_000)).isEqualTo(outcome);
        assertThat(t.mode().wire()).isEqualTo(mode);
        if (reason.isEmpty()) {
            assertThat(t.abortReason()).isNull();
            assertThat(t.remaining()).isZero();
            assertThat(t.processed()).isGreaterThanOrEqualTo(GIB);
        } else {
            assertThat(t.abortReason()).startsWith(reason);
        }
    }

    @ParameterizedTest
    @CsvSource({"0, 51", "10, 102"})
    void anIdleGuestTakesOnePassAndABusyOneMore(double dirty, double atMostSeconds) {
        MigrationTransfer t = new MigrationTransfer(GIB, new MigrationTransfer.Options(20 * MIB, dirty * MIB,
                false, false, 150, 150));
        run(t, 10_000);
        assertThat(t.elapsedSeconds()).isBetween(50.0, atMostSeconds + 1);
    }

    @org.junit.jupiter.api.Test
    void theCompletionDeadlineAbortsAMigrationThatProgressesTooSlowly() {
        // 4 GiB at 20 MiB/s needs 205 s for one pass; 30 s per GiB allows 150 s (5 decimal GB)
        MigrationTransfer t = new MigrationTransfer(4 * GIB, new MigrationTransfer.Options(20 * MIB, 0, false, false,
                150, 30));
        assertThat(run(t, 10_000)).isEqualTo(MigrationTransfer.State.ABORTED);
        assertThat(t.acceptableCompletionSeconds()).isEqualTo(150);
        assertThat(t.abortReason()).isEqualTo("Live migration is not completed after 150 seconds and has been aborted");
    }

    @org.junit.jupiter.api.Test
    void autoConvergeThrottlesStepByStep() {
        MigrationTransfer t = new MigrationTransfer(GIB, new MigrationTransfer.Options(20 * MIB, 40 * MIB, true, false,
                0, 0));
        t.advance(52);
        assertThat(t.throttlePercent()).isEqualTo(20);
        assertThat(t.effectiveDirtyRate()).isEqualTo(32 * MIB);
        t.advance(52);
        assertThat(t.throttlePercent()).isEqualTo(30);
    }
}
