package io.drainpilot.config;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The VM label selector: what parses (and its canonical form), what matches, and what is refused with why. */
class LabelSelectorTest {

    @ParameterizedTest(name = "''{0}'' -> ''{1}''")
    @CsvSource(delimiter = '|', value = {
            "''|''",
            "tier=web|tier=web",
            "tier==web|tier=web",
            " tier = web , env != prod |tier=web,env!=prod",
            "tier in (web, db)|tier in (db,web)",
            "tier notin (web)|tier notin (web)",
            "example.com/team|example.com/team",
            "!drainpilot.io/skip|!drainpilot.io/skip",
            "tier=|tier=",
            "a=b,x in (1,2),!c,d|a=b,x in (1,2),!c,d"})
    void parses(String selector, String canonical) {
        assertThat(LabelSelector.parse(selector).text()).isEqualTo(canonical);
    }

    @ParameterizedTest(name = "''{0}'' on tier=web,env=prod: {1}")
    @CsvSource(delimiter = '|', value = {
            "''|true",
            "tier=web|true",
            "tier=db|false",
            "tier!=db|true",
            "owner!=x|true",
            "tier in (web,db)|true",
            "tier notin (web)|false",
            "owner notin (x)|true",
            "env|true",
            "owner|false",
            "!owner|true",
            "!env|false",
            "tier=web,env=test|false"})
    void matches(String selector, boolean matches) {
        assertThat(LabelSelector.parse(selector).matches(Map.of("tier", "web", "env", "prod"))).isEqualTo(matches);
    }

    @ParameterizedTest(name = "''{0}'' is refused: {1}")
    @CsvSource(delimiter = '|', value = {
            "tier in web|the values of in/notin go in parentheses",
            "tier in (web|'(' is not closed",
            "tier in ()|needs at least one value",
            "tier=web,,env=prod|empty requirement",
            "=web|no key before '='",
            "tier=we b|value 'we b' of key 'tier'",
            "tier=-web|value '-web' of key 'tier'",
            "Example.COM/team=a|the prefix 'Example.COM' must be a DNS subdomain",
            "tier web|not a requirement",
            "a)=b|')' without '('"})
    void refuses(String selector, String why) {
        assertThatThrownBy(() -> LabelSelector.parse(selector)).isInstanceOf(LabelSelector.ParseException.class)
                .hasMessageContaining(why);
    }

    @ParameterizedTest(name = "''{0}'' valid label value: {1}")
    @CsvSource(delimiter = '|', value = {"node-1|true", "''|true", "-x|false", "a.b_c-D|true"})
    void labelValues(String value, boolean valid) {
        assertThat(LabelSelector.isValidValue(value)).isEqualTo(valid);
    }

    @org.junit.jupiter.api.Test
    void aValueLongerThan63CharactersIsRefused() {
        assertThat(LabelSelector.isValidValue("n".repeat(63))).isTrue();
        assertThat(LabelSelector.isValidValue("n".repeat(64))).isFalse();
        assertThatThrownBy(() -> LabelSelector.parse("tier=" + "n".repeat(64))).hasMessageContaining("at most 63");
    }
}
