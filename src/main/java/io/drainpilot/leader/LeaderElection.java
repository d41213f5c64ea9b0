package io.drainpilot.leader;

import io.drainpilot.config.Settings;
import io.drainpilot.kubevirt.WriteFence;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.apache.camel.CamelContext;
import org.apache.camel.component.kubernetes.KubernetesConfiguration;
import org.apache.camel.component.kubernetes.cluster.KubernetesClusterService;
import org.apache.camel.component.kubernetes.cluster.LeaseResourceType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Several replicas, one active: with {@code drainpilot.leader.enabled=true}, a Lease-based Kubernetes cluster
 * service is registered and the scan and await routes start only on the leader (their endpoints become
 * {@code master:<group>:timer:...}). Without it (one process, the demo) every route runs here.
 */
public final class LeaderElection {
    private static final Logger LOG = LoggerFactory.getLogger(LeaderElection.class);
    /** The placeholder the scan and await routes put in front of their timer endpoint. */
    public static final String ENDPOINT_PREFIX = "drainpilot.leader.endpoint-prefix";

    private LeaderElection() {
    }

    /**
     * Must run before the routes are built (a CamelConfiguration does). Returns the fence every write asks: always
     * open for a single process; with leader election, open only while this replica leads.
     */
    public static WriteFence configure(CamelContext context, KubernetesClient client, Settings settings) throws Exception {
        if (!settings.leaderEnabled) {
            context.getPropertiesComponent().addOverrideProperty(ENDPOINT_PREFIX, "");
            return WriteFence.ALWAYS;
        }
        KubernetesConfiguration config = new KubernetesConfiguration();
        config.setKubernetesClient(client);
        KubernetesClusterService service = new KubernetesClusterService(context, config);
        service.setId("drainpilot-leader-election");
        service.setKubernetesNamespace(settings.leaderNamespace);
        service.setKubernetesResourcesNamespace(settings.leaderNamespace);
        service.setPodName(settings.leaderPodName);
        service.setClusterLabels(labels(settings.leaderPodLabels));
        service.setLeaseResourceType(LeaseResourceType.Lease);
        service.setLeaseDurationMillis(settings.leaseDuration.toMillis());
        service.setRenewDeadlineMillis(settings.renewDeadline.toMillis());
        service.setRetryPeriodMillis(settings.leaderRetryPeriod.toMillis());
        context.addService(service);
        context.getPropertiesComponent().addOverrideProperty(ENDPOINT_PREFIX, "master:" + settings.leaderGroup + ":");
        LOG.info("Leader election on: Lease leaders-{} in {}, this pod {}; scan and await run only on the leader",
                settings.leaderGroup, settings.leaderNamespace, settings.leaderPodName);
        return () -> leads(service, settings.leaderGroup);
    }

    /**
     * Whether this replica leads now. Camel's view turns this off when a renewal is overdue (before the Lease can be
     * taken over), so a write checked here is never made by a replica another one has replaced.
     */
    static boolean leads(KubernetesClusterService service, String group) {
        try {
            return service.getView(group).getLocalMember().isLeader();
        } catch (Exception e) {
            return false;
        }
    }

    /**
     * The pod that holds the group's Lease as Camel's election view last read it (a follower reads the Lease at every
     * retry period anyway: no request of its own); empty without leader election or while no one holds it.
     */
    public static java.util.Optional<String> leader(CamelContext context, String group) {
        try {
            org.apache.camel.cluster.CamelClusterService service =
                    context.hasService(org.apache.camel.cluster.CamelClusterService.class);
            if (service == null) {
                return java.util.Optional.empty();
            }
            return service.getView(group).getLeader().map(org.apache.camel.cluster.CamelClusterMember::getId);
        } catch (Exception e) {
            return java.util.Optional.empty();
        }
    }

    static Map<String, String> labels(String selector) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String pair : selector.split(",")) {
            String[] kv = pair.trim().split("=", 2);
            if (kv.length == 2 && !kv[0].isBlank()) {
                out.put(kv[0].trim(), kv[1].trim());
            }
        }
        return out;
    }
}
