package io.drainpilot.cpu;

import io.drainpilot.kubevirt.VirtualMachineInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class CpuRequirementTest {

    static Stream<Arguments> vmis() {
        return Stream.of(
                arguments("no cpu section", TestVmis.vmi("a").build(),
                        new CpuRequirement(CpuMode.HOST_MODEL, null, Set.of(), true), "host-model"),
                arguments("no spec", new VirtualMachineInstance(),
                        new CpuRequirement(CpuMode.HOST_MODEL, null, Set.of(), true), "host-model"),
                arguments("blank model", TestVmis.vmi("a").cpu(" ").build(),
                        new CpuRequirement(CpuMode.HOST_MODEL, null, Set.of(), true), "host-model"),
                arguments("host-model", TestVmis.vmi("a").cpu("host-model").build(),
                        new CpuRequirement(CpuMode.HOST_MODEL, null, Set.of(), false), "host-model"),
                arguments("host-passthrough", TestVmis.vmi("a").cpu("host-passthrough").build(),
                        new CpuRequirement(CpuMode.HOST_PASSTHROUGH, null, Set.of(), false), "host-passthrough"),
                arguments("named with features", TestVmis.vmi("a").cpu("Skylake-Client-IBRS")
                                .feature("avx512f", "require").feature("pku", null).feature("x2apic", "")
                                .feature("vmx", "optional").feature("svm", "forbid").feature("aes", "force")
                                .feature("mpx", "disable").build(),
                        new CpuRequirement(CpuMode.NAMED, "Skylake-Client-IBRS", Set.of("avx512f", "pku", "x2apic"),
                                false), "Skylake-Client-IBRS"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vmis")
    void readsTheCpuOfAVmi(String name, VirtualMachineInstance vmi, CpuRequirement expected, String described) {
        CpuRequirement cpu = CpuRequirement.of(vmi);

        assertThat(cpu).isEqualTo(expected);
        assertThat(cpu.describe()).isEqualTo(described);
    }
}
