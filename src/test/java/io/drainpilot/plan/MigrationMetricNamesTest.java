package io.drainpilot.plan;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class MigrationMetricNamesTest {

    @ParameterizedTest
    @CsvSource(nullValues = "-", value = {
            // version, dirty rate, total, transfer rate
            "v1.0.0, -, -, -",
            "v1.1.0, kubevirt_vmi_migration_dirty_memory_rate_bytes, -, -",
            "v1.3.1, kubevirt_vmi_migration_dirty_memory_rate_bytes, -, kubevirt_vmi_migration_disk_transfer_rate_bytes",
            "v1.5.0, kubevirt_vmi_migration_dirty_memory_rate_bytes, kubevirt_vmi_migration_data_total_bytes, kubevirt_vmi_migration_disk_transfer_rate_bytes",
            "v1.6.0, kubevirt_vmi_migration_dirty_memory_rate_bytes, kubevirt_vmi_migration_data_total_bytes, kubevirt_vmi_migration_disk_transfer_rate_bytes",
            "v1.7.0, kubevirt_vmi_migration_dirty_memory_rate_bytes, kubevirt_vmi_migration_data_total_bytes, kubevirt_vmi_migration_memory_transfer_rate_bytes",
            "v1.8.0-rc.1, kubevirt_vmi_migration_dirty_memory_rate_bytes, kubevirt_vmi_migration_data_bytes_total, kubevirt_vmi_migration_memory_transfer_rate_bytes",
            "garbage, kubevirt_vmi_migration_dirty_memory_rate_bytes, kubevirt_vmi_migration_data_bytes_total, kubevirt_vmi_migration_memory_transfer_rate_bytes",
    })
    void namesFollowTheRelease(String version, String dirty, String total, String transfer) {
        MigrationMetricNames n = MigrationMetricNames.of(ReleaseVersion.parse(version));
        assertThat(n.processed()).isEqualTo("kubevirt_vmi_migration_data_processed_bytes");
        assertThat(n.remaining()).isEqualTo("kubevirt_vmi_migration_data_remaining_bytes");
        assertThat(n.dirtyRate()).isEqualTo(dirty);
        assertThat(n.total()).isEqualTo(total);
        assertThat(n.transferRate()).isEqualTo(transfer);
        assertThat(n.judgesConvergence()).isEqualTo(dirty != null && transfer != null);
    }
}
