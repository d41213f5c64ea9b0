package io.drainpilot.sim;

/**
 * What virt-handler on the source node reports about one running migration (libvirt's job info), in bytes and
 * bytes per second.
 */
public record MigrationSample(String namespace, String vmi, String node, double processedBytes,
                              double remainingBytes, double dirtyRateBytes, double totalBytes,
                              double transferRateBytes, String mode) {
}
