package io.drainpilot.plan;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class MovedAgainTest {
    static Stream<Arguments> rows() {
        return Stream.of(
                arguments("nothing migrated", Map.of(), Set.of()),
                arguments("each VM off one node", Map.of("n1", Set.of("a", "b"), "n2", Set.of("c")), Set.of()),
                arguments("a VM off two nodes", Map.of("n1", Set.of("a", "b"), "n5", Set.of("a")), Set.of("a")),
                arguments("three times is still one VM", Map.of("n1", Set.of("a"), "n2", Set.of("a"), "n3", Set.of("a", "b")),
                        Set.of("a")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void vmsMigratedOffMoreThanOneNode(String name, Map<String, Set<String>> migratedOff, Set<String> expected) {
        assertThat(MovedAgain.of(migratedOff)).isEqualTo(expected);
    }
}
