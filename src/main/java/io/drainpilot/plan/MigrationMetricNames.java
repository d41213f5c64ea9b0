package io.drainpilot.plan;

import java.util.Optional;

/**
 * The names virt-handler gives its live-migration metrics in a KubeVirt release: the data processed and remaining
 * exist in every 1.x release, the dirty rate from 1.1, the data total from 1.5 ({@code _data_total_bytes}, renamed
 * {@code _data_bytes_total} in 1.8), the transfer rate from 1.2 ({@code _disk_transfer_rate_bytes}, renamed
 * {@code _memory_transfer_rate_bytes} in 1.7). A metric the release lacks is null. An unknown version gets the newest
 * names: a cluster too new for this table most likely kept them.
 */
public record MigrationMetricNames(String processed, String remaining, String dirtyRate, String total,
                                   String transferRate) {
    private static final String PREFIX = "kubevirt_vmi_migration_";

    public static MigrationMetricNames of(Optional<ReleaseVersion> kubeVirt) {
        ReleaseVersion v = kubeVirt.orElse(new ReleaseVersion(Integer.MAX_VALUE, 0));
        String total = v.atLeast(1, 8) ? PREFIX + "data_bytes_total"
                : v.atLeast(1, 5) ? PREFIX + "data_total_bytes" : null;
        String transfer = v.atLeast(1, 7) ? PREFIX + "memory_transfer_rate_bytes"
                : v.atLeast(1, 2) ? PREFIX + "disk_transfer_rate_bytes" : null;
        return new MigrationMetricNames(PREFIX + "data_processed_bytes", PREFIX + "data_remaining_bytes",
                v.atLeast(1, 1) ? PREFIX + "dirty_memory_rate_bytes" : null, total, transfer);
    }

    /** Both rates are there: only then can convergence be judged. */
    public boolean judgesConvergence() {
        return dirtyRate != null && transferRate != null;
    }
}
