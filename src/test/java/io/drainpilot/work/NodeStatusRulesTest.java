package io.drainpilot.work;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/** Which evacuation state writes would hide a cancel (kept: the write of the state is skipped). */
class NodeStatusRulesTest {

    @ParameterizedTest(name = "{0} -> {1} (cancel={2}): kept {3}")
    @CsvSource(nullValues = "-", value = {
            "Cancelled, Blocked, true, true",
            "Cancelled, Blocked, -, true",
            "Cancelled, Cancelled, true, false",
            "Cancelled, InProgress, -, false",
            "Cancelled, Completed, -, false",
            "InProgress, Blocked, true, true",
            "InProgress, Blocked, -, false",
            "InProgress, Blocked, false, false",
            "InProgress, Cancelled, true, false",
            "Blocked, InProgress, true, false",
            "-, Blocked, true, true"})
    void blockedNeverHidesACancel(String was, String state, String cancel, boolean kept) {
        assertThat(NodeStatus.blockedOverCancel(was, state, cancel)).isEqualTo(kept);
    }
}
