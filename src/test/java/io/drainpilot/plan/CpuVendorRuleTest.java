package io.drainpilot.plan;

import io.drainpilot.kubevirt.KubeVirt;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class CpuVendorRuleTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(nullValues = "NONE", value = {
            "v1.6.0, false",
            "v1.7.3, false",
            "v1.8.0, true",
            "1.8.1-rc.0, true",
            "v1.10.0, true",
            "v2.0.0, true",
            "v0.59.0, false",
            "garbage, true",
            "NONE, true"})
    void appliesFromKubeVirt18(String version, boolean applies) {
        assertThat(CpuVendorRule.applies(version)).isEqualTo(applies);
        KubeVirt kv = new KubeVirt();
        kv.setStatus(new KubeVirt.Status());
        kv.getStatus().observedKubeVirtVersion = version;
        assertThat(CpuVendorRule.applies(Optional.of(kv))).isEqualTo(applies);
    }

    @org.junit.jupiter.api.Test
    void withoutAKubeVirtCrTheRuleApplies() {
        assertThat(CpuVendorRule.applies(Optional.empty())).isTrue();
    }
}
