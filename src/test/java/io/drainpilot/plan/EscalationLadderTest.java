package io.drainpilot.plan;

import io.drainpilot.work.RecoveryAction;
import io.drainpilot.work.RecoveryCase.Reason;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** The escalation ladder in recovery, one row per rule (max attempts 2, fallback release). */
class EscalationLadderTest {
    private static final RecoveryAction AC = RecoveryAction.AUTO_CONVERGE;
    private static final RecoveryAction PC = RecoveryAction.POST_COPY;

    static Stream<Arguments> rows() {
        return Stream.of(
                // reason, attempts, auto-converge on, post-copy on, VM allows post-copy, convergence failure, taken -> action
                // rung 1: retries on another target come first
                arguments(Reason.NotConverging, 1, true, true, true, true, Set.of(), RecoveryAction.RETRY),
                // rung 2 once the retries ran out
                arguments(Reason.NotConverging, 2, true, true, true, true, Set.of(), AC),
                arguments(Reason.MigrationTimedOut, 2, true, true, false, true, Set.of(), AC),
                // rung 3 after rung 2, only for a VM that allows it
                arguments(Reason.NotConverging, 3, true, true, true, true, Set.of(AC), PC),
                arguments(Reason.NotConverging, 3, true, true, false, true, Set.of(AC), RecoveryAction.RELEASE),
                // rungs switched off are skipped
                arguments(Reason.NotConverging, 2, false, true, true, true, Set.of(), PC),
                arguments(Reason.NotConverging, 2, false, false, true, true, Set.of(), RecoveryAction.RELEASE),
                arguments(Reason.NotConverging, 3, true, false, true, true, Set.of(AC), RecoveryAction.RELEASE),
                // every rung taken: the fallback
                arguments(Reason.NotConverging, 4, true, true, true, true, Set.of(AC, PC), RecoveryAction.RELEASE),
                // not a convergence failure: straight to the fallback
                arguments(Reason.MigrationFailed, 2, true, true, true, false, Set.of(), RecoveryAction.RELEASE),
                arguments(Reason.NotMigratable, 0, true, true, true, false, Set.of(), RecoveryAction.RELEASE));
    }

    @ParameterizedTest(name = "{0} attempts={1} ac={2} pc={3} allows={4} convergence={5} taken={6} -> {7}")
    @MethodSource("rows")
    void climbs(Reason reason, int attempts, boolean autoConverge, boolean postCopy, boolean allows,
                boolean convergence, Set<RecoveryAction> taken, RecoveryAction action) {
        RecoveryPolicy.Result r = RecoveryPolicy.decide(new RecoveryPolicy.Facts(reason, attempts, 2, "release",
                new RecoveryPolicy.Liveness(true, false, true, true, true, false), true,
                new RecoveryPolicy.Escalation(autoConverge, postCopy, allows, convergence, taken)));
        assertThat(r.action()).isEqualTo(action);
    }

    @ParameterizedTest
    @CsvSource(nullValues = "-", value = {
            "NotConverging, -, true",
            "MigrationTimedOut, still Running after 300s, true",
            "MigrationFailed, Live migration stuck for 150 seconds and has been aborted, true",
            "MigrationFailed, Live migration is not completed after 300 seconds and has been aborted, true",
            "MigrationFailed, Live migration has been aborted, false",
            "MigrationFailed, guest CPU doesn't match specification, false",
            "MigrationRefused, in-flight migration detected, false",
            "NoCompatibleTarget, -, false",
    })
    void convergenceFailures(Reason reason, String detail, boolean expected) {
        assertThat(RecoveryPolicy.isConvergenceFailure(reason, detail)).isEqualTo(expected);
    }
}
