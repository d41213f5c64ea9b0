package io.drainpilot.plan;

import io.drainpilot.work.RecoveryAction;
import io.drainpilot.work.RecoveryCase.Reason;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import io.drainpilot.plan.RecoveryPolicy.Liveness;
import io.drainpilot.plan.RecoveryPolicy.Moot;

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
                        "the VMI is no longer on the node (vmi-left-node)"),
                arguments(Reason.NotMigratable, 0, "shutdown-restart", false, false, true, RecoveryAction.NONE,
                        "the VMI is no longer on the node (vmi-left-node)"),
                arguments(Reason.MigrationFailed, 3, "shutdown-restart", true, true, true, RecoveryAction.NONE,
                        "another migration of it is under way (migration-in-flight)"));
    }

    @ParameterizedTest(name = "{0} attempts={1} fallback={2} onNode={3} other={4} vm={5} -> {6}")
    @MethodSource("rows")
    void decide(Reason reason, int attempts, String fallback, boolean onNode, boolean other, boolean vmExists,
            RecoveryAction action, String why) {
        RecoveryPolicy.Result r = RecoveryPolicy.decide(new RecoveryPolicy.Facts(reason, attempts, 3, fallback,
                new Liveness(true, false, true, true, onNode, other), vmExists));
        assertThat(r.action()).isEqualTo(action);
        assertThat(r.why()).isEqualTo(why);
    }

    /** Is the drain still live? draining, cancelled, same drain, VMI exists, on node, other migration -> moot. */
    static Stream<Arguments> liveness() {
        return Stream.of(
                arguments(true, false, true, true, true, false, null),
                arguments(true, true, true, true, true, false, Moot.CANCELLED),
                // a cancel wins over everything else that would also make the case moot
                arguments(false, true, false, false, false, true, Moot.CANCELLED),
                arguments(false, false, true, true, true, false, Moot.NOT_DRAINING),
                arguments(true, false, false, true, true, false, Moot.OTHER_DRAIN),
                arguments(true, false, true, false, false, false, Moot.VMI_GONE),
                arguments(true, false, true, true, false, false, Moot.VMI_LEFT),
                arguments(true, false, true, true, true, true, Moot.MIGRATION_IN_FLIGHT));
    }

    @ParameterizedTest(name = "draining={0} cancelled={1} sameDrain={2} vmi={3} onNode={4} other={5} -> {6}")
    @MethodSource("liveness")
    void onlyALiveDrainIsRecovered(boolean draining, boolean cancelled, boolean sameDrain, boolean vmiExists,
            boolean onNode, boolean other, Moot moot) {
        Liveness live = new Liveness(draining, cancelled, sameDrain, vmiExists, onNode, other);
        assertThat(live.moot()).isEqualTo(moot);
        for (String fallback : new String[] {"shutdown-restart", "block", "release"}) {
            RecoveryPolicy.Result r = RecoveryPolicy.decide(new RecoveryPolicy.Facts(Reason.MigrationFailed, 3, 3,
                    fallback, live, true));
            if (moot == null) {
                assertThat(r.action()).isEqualTo(RecoveryAction.ofFallback(fallback));
                assertThat(r.moot()).isNull();
            } else {
                // a case that is not live never leads to a fallback
                assertThat(r.action()).isEqualTo(RecoveryAction.NONE);
                assertThat(r.moot()).isEqualTo(moot);
                assertThat(r.why()).isEqualTo(moot.why());
            }
        }
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("wires")
    void mootReasonsHaveFixedWireNames(Moot moot, String wire) {
        assertThat(moot.wire()).isEqualTo(wire);
    }

    static Stream<Arguments> wires() {
        return Stream.of(arguments(Moot.CANCELLED, "drain-cancelled"), arguments(Moot.NOT_DRAINING, "drain-over"),
                arguments(Moot.OTHER_DRAIN, "other-drain"), arguments(Moot.VMI_GONE, "vmi-gone"),
                arguments(Moot.VMI_LEFT, "vmi-left-node"), arguments(Moot.MIGRATION_IN_FLIGHT, "migration-in-flight"));
    }
}
