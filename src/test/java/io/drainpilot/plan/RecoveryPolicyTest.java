package io.drainpilot.plan;

import io.drainpilot.work.RecoveryAction;
import io.drainpilot.work.RecoveryCase.Reason;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** What recovery does, one row per rule (max attempts 3). */
class RecoveryPolicyTest {

    static Stream<Arguments> rows() {
        return Stream.of(
                arguments(Reason.MigrationFailed, 1, "block", true, false, true, RecoveryAction.RETRY, "attempt 1 of 3"),
                arguments(Reason.MigrationTimedOut, 2, "block", true, false, true, RecoveryAction.RETRY, "attempt 2 of 3"),
                arguments(Reason.MigrationRefused, 1, "release", true, false, true, RecoveryAction.RETRY, "attempt 1 of 3"),
                arguments(Reason.MigrationFailed, 3, "block", true, false, true, RecoveryAction.BLOCK, "gave up after 3 attempt(s)"),
                arguments(Reason.MigrationFailed, 3, "release", true, false, true, RecoveryAction.RELEASE, "gave up after 3 attempt(s)"),
                arguments(Reason.MigrationFailed, 5, "shutdown-restart", true, false, true, RecoveryAction.SHUTDOWN_RESTART,
                        "gave up after 5 attempt(s)"),
                arguments(Reason.NotMigratable, 0, "shutdown-restart", true, false, true, RecoveryAction.SHUTDOWN_RESTART, null),
                arguments(Reason.NoCompatibleTarget, 0, "release", true, false, true, RecoveryAction.RELEASE, null),
                arguments(Reason.NoSafeTarget, 0, "block", true, false, true, RecoveryAction.BLOCK, null),
                arguments(Reason.NotMigratable, 0, "shutdown-restart", true, false, false, RecoveryAction.BLOCK,
                        "no VirtualMachine to stop and restart"),
                arguments(Reason.MigrationFailed, 1, "block", false, false, true, RecoveryAction.NONE,
                        "the VMI is no longer on the node"),
                arguments(Reason.NotMigratable, 0, "shutdown-restart", false, false, true, RecoveryAction.NONE,
                        "the VMI is no longer on the node"),
                arguments(Reason.MigrationFailed, 3, "shutdown-restart", true, true, true, RecoveryAction.NONE,
                        "another migration of it is under way"));
    }

    @ParameterizedTest(name = "{0} attempts={1} fallback={2} onNode={3} other={4} vm={5} -> {6}")
    @MethodSource("rows")
    void decide(Reason reason, int attempts, String fallback, boolean onNode, boolean other, boolean vmExists,
            RecoveryAction action, String why) {
        RecoveryPolicy.Result r = RecoveryPolicy.decide(new RecoveryPolicy.Facts(reason, attempts, 3, fallback, onNode,
                other, vmExists));
        assertThat(r.action()).isEqualTo(action);
        assertThat(r.why()).isEqualTo(why);
    }
}
