package io.drainpilot.plan;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/** Releases as KubeVirt's CR and Harvester's server-version setting write them. */
class ReleaseVersionTest {

    @ParameterizedTest(name = "{0} at least 1.{1}: {2}")
    @CsvSource(nullValues = "null", value = {
            "v1.6.0, 6, true",
            "1.6.0, 6, true",
            "v1.5.2, 6, false",
            "v1.8.0-rc.1, 8, true",
            "' v1.7.1 ', 7, true",
            "v2.0.0, 9, true",
            "v0.59.0, 6, false",
    })
    void atLeast(String version, int minor, boolean expected) {
        assertThat(ReleaseVersion.parse(version)).hasValueSatisfying(v -> assertThat(v.atLeast(1, minor)).isEqualTo(expected));
    }

    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @CsvSource(nullValues = "null", value = {"null", "''", "latest", "v1", "master-abc"})
    void notAVersion(String version) {
        assertThat(ReleaseVersion.parse(version)).isEmpty();
    }
}
