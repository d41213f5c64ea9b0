package io.drainpilot.plan;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class EvacuationCancelTest {
    @ParameterizedTest
    @CsvSource(nullValues = "null", value = {
            "v1.7.0, true", "v1.7.0-rc.1, true", "1.8.2, true", "v2.0.0, true",
            "v1.6.0, false", "v1.6.9, false", "v1.3.1, false", "garbage, false", "null, false", "'', false"})
    void servedFrom1_7(String version, boolean served) {
        assertThat(EvacuationCancel.served(version)).isEqualTo(served);
    }
}
