package io.drainpilot.sim;

import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** A fresh simulated cluster and a client to it for every test of a subclass. */
abstract class ClusterPerTest {
    protected SimulatedCluster cluster;
    protected KubernetesClient client;

    /** The cluster each test starts from; the Harvester three-node scenario unless a subclass says otherwise. */
    protected Scenario scenario() {
        return Scenarios.harvesterThreeNode();
    }

    @BeforeEach
    void startCluster() {
        cluster = SimulatedCluster.start(scenario(), SimSettings.forTests());
        client = cluster.newClient();
    }

    @AfterEach
    void stopCluster() {
        client.close();
        cluster.close();
    }
}
