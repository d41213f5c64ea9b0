package io.drainpilot.plan;

import io.drainpilot.config.Settings;
import io.drainpilot.kubevirt.KubeVirt;

import java.util.Optional;

/**
 * How many migrations may run at once: our configured caps, never above what KubeVirt itself allows
 * (asking for more only leaves VMIMs Pending inside KubeVirt, where their deadlines tick for nothing).
 */
public record MigrationLimits(int cluster, int outboundPerNode, int inboundPerNode) {

    /** KubeVirt's defaults when its CR says nothing. */
    static final int KUBEVIRT_CLUSTER_DEFAULT = 5;
    static final int KUBEVIRT_OUTBOUND_DEFAULT = 2;

    public static MigrationLimits of(Settings settings, Optional<KubeVirt> kubeVirt) {
        KubeVirt.Migrations m = kubeVirt.map(KubeVirt::getSpec).map(s -> s.configuration)
                .map(c -> c.migrations).orElse(null);
        int kvCluster = m != null && m.parallelMigrationsPerCluster != null ? m.parallelMigrationsPerCluster : KUBEVIRT_CLUSTER_DEFAULT;
        int kvOutbound = m != null && m.parallelOutboundMigrationsPerNode != null ? m.parallelOutboundMigrationsPerNode : KUBEVIRT_OUTBOUND_DEFAULT;
        return new MigrationLimits(Math.min(settings.maxInCluster, kvCluster),
                Math.min(settings.maxOutboundPerNode, kvOutbound), settings.maxInboundPerNode);
    }
}
