package io.drainpilot.migrate;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class MigrationNameTest {

    @Test
    void oneNamePerVmiDrainAndAttempt() {
        assertThat(MigrationRequester.name("web-1", "ab12cd", 2)).isEqualTo("drainpilot-web-1-ab12cd-2");
        assertThat(MigrationRequester.name("web-1", "ab12cd", 2)).isEqualTo(MigrationRequester.name("web-1", "ab12cd", 2));
        assertThat(MigrationRequester.name("web-1", "ab12cd", 3)).isNotEqualTo(MigrationRequester.name("web-1", "ab12cd", 2));
    }

    @Test
    void aVeryLongVmiNameIsShortenedAndStaysUnique() {
        String a = "a".repeat(250) + "-one";
        String b = "a".repeat(250) + "-two";
        String na = MigrationRequester.name(a, "ab12cd", 1);
        assertThat(na).hasSizeLessThanOrEqualTo(253).startsWith("drainpilot-aaa").endsWith("-ab12cd-1")
                .matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?");
        assertThat(MigrationRequester.name(b, "ab12cd", 1)).hasSizeLessThanOrEqualTo(253).isNotEqualTo(na);
    }
}
