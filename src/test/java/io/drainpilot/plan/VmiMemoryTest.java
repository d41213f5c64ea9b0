package io.drainpilot.plan;

import io.drainpilot.cpu.TestVmis;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.OptionalLong;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class VmiMemoryTest {

    static Stream<Arguments> vmis() {
        return Stream.of(
                arguments("guest", TestVmis.vmi("v").guestMemory("1Gi").build(), OptionalLong.of(1L << 30)),
                arguments("request", TestVmis.vmi("v").requestedMemory("512Mi").build(), OptionalLong.of(512L << 20)),
                arguments("decimal unit", TestVmis.vmi("v").requestedMemory("2G").build(), OptionalLong.of(2_000_000_000L)),
                arguments("guest wins over request", TestVmis.vmi("v").guestMemory("2Gi").requestedMemory("1Gi").build(),
                        OptionalLong.of(2L << 30)),
                arguments("unparsable", TestVmis.vmi("v").guestMemory("lots").build(), OptionalLong.empty()),
                arguments("none", TestVmis.vmi("v").build(), OptionalLong.empty()),
                arguments("no spec", new VirtualMachineInstance(), OptionalLong.empty()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vmis")
    void bytes(String name, VirtualMachineInstance vmi, OptionalLong expected) {
        assertThat(VmiMemory.bytes(vmi)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({"100, 100 B", "1048576, 1.0 MiB", "1610612736, 1.5 GiB"})
    void human(long bytes, String expected) {
        assertThat(VmiMemory.human(bytes)).isEqualTo(expected);
    }
}
