package io.drainpilot.names;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A node name as a label value: itself when valid, else shortened with a hash; the full name stays readable. */
class NodeLabelValueTest {
    private static final String N63 = "n".repeat(63);
    private static final String LONG70 = "worker-" + "a".repeat(50) + ".example.com"; // 69 characters

    @ParameterizedTest(name = "{0}")
    @CsvSource({"node-1", "ip-10-0-0-1.eu-west-1.compute.internal", "a"})
    void aValidNameIsItsOwnLabelValue(String node) {
        assertThat(Names.labelValue(node)).isEqualTo(node);
    }

    @org.junit.jupiter.api.Test
    void sixtyThreeCharactersStillFit() {
        assertThat(Names.labelValue(N63)).isEqualTo(N63);
    }

    @org.junit.jupiter.api.Test
    void aLongerNameIsShortenedToAValidUniqueValue() {
        String v = Names.labelValue(LONG70);
        assertThat(v).hasSizeLessThanOrEqualTo(63).startsWith(LONG70.substring(0, 50)).matches("[a-z0-9][-a-z0-9_.]*[a-z0-9]");
        assertThat(v).isEqualTo(Names.labelValue(LONG70)); // stable
        assertThat(Names.labelValue(LONG70 + "x")).isNotEqualTo(v);
        // 52 characters kept, a trailing '.' or '-' dropped before the hash
        assertThat(Names.labelValue("a".repeat(51) + "." + "b".repeat(20))).startsWith("a".repeat(51) + "-")
                .hasSize(62);
    }

    @org.junit.jupiter.api.Test
    void theSourceNodeIsReadFromTheAnnotationFirst() {
        String label = Names.labelValue(LONG70);
        assertThat(Names.sourceNodeOf(Map.of(Names.SOURCE_NODE, label), Map.of(Names.SOURCE_NODE, LONG70))).isEqualTo(LONG70);
        assertThat(Names.sourceNodeOf(Map.of(Names.SOURCE_NODE, "node-1"), Map.of())).isEqualTo("node-1");
        assertThat(Names.sourceNodeOf(null, null)).isNull();
    }
}
