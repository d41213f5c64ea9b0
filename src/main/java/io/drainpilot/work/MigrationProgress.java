package io.drainpilot.work;

import java.time.Instant;

/**
 * How far one running migration of ours is, from virt-handler's metrics as Prometheus last answered them (bytes and
 * bytes per second; null when the cluster's KubeVirt does not report the value).
 *
 * @param percent       processed / (processed + remaining), 0-100 with one decimal
 * @param behindSince   since when the dirty rate has been at or above the transfer rate; null when it is not
 * @param notConverging why it is judged not converging; null while it is not
 */
public record MigrationProgress(String namespace, String vmi, String migration, Double processed, Double remaining,
                                Double total, Double dirtyRate, Double transferRate, Double percent, Instant at,
                                Instant behindSince, String notConverging) {

    public String vmKey() {
        return namespace + "/" + vmi;
    }
}
