package io.drainpilot.plan;

import io.drainpilot.names.Names;
import io.drainpilot.cpu.TestVmis;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class VmiOrderTest {

    private static List<VirtualMachineInstance> vmis() {
        return List.of(
                TestVmis.vmi("big").guestMemory("16Gi").build(),
                TestVmis.vmi("alpha").guestMemory("4Gi").build(),
                TestVmis.vmi("upgrade-repo-hvst-upgrade-abc").guestMemory("1Gi")
                        .label(Names.HARVESTER_UPGRADE_COMPONENT, "repo").build(),
                TestVmis.vmi("tiny").requestedMemory("512Mi").build(),
                TestVmis.vmi("beta").guestMemory("4Gi").build(),
                new VirtualMachineInstance());
    }

    static Stream<Arguments> orders() {
        return Stream.of(
                arguments(null, Arrays.asList("upgrade-repo-hvst-upgrade-abc", null, "tiny", "alpha", "beta", "big")),
                arguments("smallest-memory-first",
                        Arrays.asList("upgrade-repo-hvst-upgrade-abc", null, "tiny", "alpha", "beta", "big")),
                arguments("largest-memory-first",
                        Arrays.asList("upgrade-repo-hvst-upgrade-abc", "big", "alpha", "beta", "tiny", null)),
                arguments("name", Arrays.asList("upgrade-repo-hvst-upgrade-abc", null, "alpha", "beta", "big", "tiny")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("orders")
    void upgradeRepoFirstThenConfiguredOrder(String config, List<String> expected) {
        List<String> names = vmis().stream().sorted(VmiOrder.parse(config).comparator())
                .map(v -> v.getMetadata() == null ? null : v.getMetadata().getName()).toList();

        assertThat(names).containsExactlyElementsOf(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "  ", "smallest-memory-first"})
    void defaultIsSmallestFirst(String config) {
        assertThat(VmiOrder.parse(config)).isEqualTo(VmiOrder.SMALLEST_MEMORY_FIRST);
    }

    @Test
    void unknownOrderIsAConfigurationError() {
        assertThatThrownBy(() -> VmiOrder.parse("random"))
                .hasMessage("unknown VMI order 'random', expected one of [smallest-memory-first, largest-memory-first, name]");
    }
}
