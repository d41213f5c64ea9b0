package io.drainpilot.cpu;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class LauncherCpuTest {

    @Test
    void keepsTheCpuSelectorsKubeVirtCarriesAndNothingElse() {
        LauncherCpu pod = LauncherCpu.of(Map.of(
                "kubevirt.io/schedulable", "true",
                CpuLabels.MIGRATION_MODEL + "Skylake-Client-IBRS", "true",
                CpuLabels.FEATURE + "ssbd", "true",
                CpuLabels.FEATURE + "pku", "false",
                CpuLabels.MODEL + "Haswell-noTSX", "true",
                CpuLabels.VENDOR + "Intel", "true",
                "kubernetes.io/hostname", "node-1"));

        assertThat(pod.migrationModels()).isEqualTo(Set.of("Skylake-Client-IBRS"));
        assertThat(pod.features()).isEqualTo(Set.of("ssbd"));
        assertThat(pod.keepsSelectors()).isTrue();
        assertThat(pod.known()).isTrue();
    }

    @Test
    void aPodWithoutCpuSelectorsNeverMigrated() {
        assertThat(LauncherCpu.of(Map.of("kubevirt.io/schedulable", "true")).keepsSelectors()).isFalse();
        assertThat(LauncherCpu.of(null).keepsSelectors()).isFalse();
        assertThat(LauncherCpu.UNKNOWN.keepsSelectors()).isFalse();
        assertThat(LauncherCpu.UNKNOWN.known()).isFalse();
    }
}
