package io.drainpilot.routes;

import io.drainpilot.app.DrainPilotConfiguration;
import io.drainpilot.names.Names;
import io.drainpilot.sim.Scenarios;
import io.drainpilot.sim.SimSettings;
import io.drainpilot.sim.SimulatedCluster;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.main.MainConfigurationProperties;
import org.apache.camel.test.main.junit5.CamelMainTestSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Camel Main's own test support: the YAML routes from routes/ on disk, config/application.properties, our beans,
 * connected the way the jar connects (fabric8's defaults, here pointed at the simulated cluster through
 * KUBERNETES_MASTER's system-property twin). Checks that every stage is there and that a scan reaches the cluster.
 */
class RoutesFromDiskTest extends CamelMainTestSupport {
    private static final SimulatedCluster CLUSTER = SimulatedCluster.start(Scenarios.harvesterTwoNode(), SimSettings.forTests());
    /** The test's own view of the cluster; DrainPilot gets a client of its own per context (it closes it). */
    private static final KubernetesClient CLIENT = CLUSTER.newClient();

    static {
        System.setProperty("kubernetes.master", CLUSTER.masterUrl());
        System.setProperty("kubernetes.auth.tryKubeConfig", "false");
        System.setProperty("kubernetes.auth.tryServiceAccount", "false");
    }

    @AfterAll
    static void stopCluster() {
        System.clearProperty("kubernetes.master");
        System.clearProperty("kubernetes.auth.tryKubeConfig");
        System.clearProperty("kubernetes.auth.tryServiceAccount");
        CLIENT.close();
        CLUSTER.close();
    }

    @Override
    protected String getPropertyPlaceholderLocations() {
        return "file:config/application.properties";
    }

    @Override
    protected Properties useOverridePropertiesWithPropertiesComponent() {
        Properties p = new Properties();
        p.setProperty("drainpilot.poll.period", "200ms");
        p.setProperty("drainpilot.await.period", "200ms");
        p.setProperty("drainpilot.poll.initial-delay", "50ms");
        return p;
    }

    @Override
    protected void configure(MainConfigurationProperties configuration) {
        configuration.addConfiguration(DrainPilotConfiguration.class);
        configuration.setRoutesIncludePattern("file:routes/*.camel.yaml");
    }

    @Test
    void everyStageIsLoadedFromDisk() {
        assertThat(context.getRoutes()).extracting(r -> r.getRouteId()).contains("scan", "evacuate-node", "migrate",
                "await", "settle-migration", "recovery", "alerts", "alert-webhook");
        assertThat(context.getRoutes()).allSatisfy(r -> assertThat(r.getSourceLocation()).contains(".camel.yaml"));
    }

    @Test
    void aScanReachesTheClusterAndADrainIsEvacuated() {
        NotifyBuilder threeScans = new NotifyBuilder(context).fromRoute("scan").whenCompleted(3).create();
        assertThat(threeScans.matches(30, TimeUnit.SECONDS)).as("three scans completed").isTrue();
        assertThat(CLUSTER.record().requestCounts()).containsKey("LIST nodes").containsKey("WATCH nodes");

        CLIENT.nodes().withName("node-1").edit(n -> {
            n.getMetadata().getAnnotations().put(Names.DRAIN_REQUESTED, "true");
            return n;
        });
        await().atMost(Duration.ofSeconds(60)).until(() -> Names.COMPLETED.equals(
                CLIENT.nodes().withName("node-1").get().getMetadata().getAnnotations().get(Names.EVACUATION)));
        assertThat(CLUSTER.record().outcomes()).hasSize(2).allMatch(o -> o.target().equals("node-2"));
    }
}
