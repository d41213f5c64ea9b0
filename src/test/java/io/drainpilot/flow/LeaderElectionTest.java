package io.drainpilot.flow;

import io.drainpilot.app.DrainPilotRuntime;
import io.drainpilot.names.Names;
import io.drainpilot.observe.StatusBoard;
import io.drainpilot.sim.CpuProfile;
import io.drainpilot.sim.Scenario;
import io.fabric8.kubernetes.api.model.PodBuilder;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Two replicas against one cluster: one acts, the other takes over when it goes, and nothing is done twice. */
class LeaderElectionTest {
    private static final String NS = "drainpilot";

    @Test
    void onlyTheLeaderActsAndTheFollowerTakesOverAndFinishes() {
        Scenario.Builder b = Scenario.builder().kubeVirt("kubevirt", "v1.6.0");
        for (int i = 1; i <= 3; i++) {
            b.node(Scenario.node("node-" + i, CpuProfile.SKYLAKE).memory("64Gi"));
        }
        for (int i = 1; i <= 6; i++) {
            b.vm(Scenario.vm("default", "vm-" + i).on("node-1").hostModel().memory(i + "Gi"));
        }
        try (Harness h = new Harness(b.build())) {
            candidatePod(h, "drainpilot-a");
            candidatePod(h, "drainpilot-b");
            DrainPilotRuntime a = h.startDrainPilot(replica("drainpilot-a"));
            await().atMost(Harness.PATIENCE).until(() -> h.kube.leases().inNamespace(NS).withName("leaders-drainpilot").get() != null);
            DrainPilotRuntime b2 = h.startDrainPilot(replica("drainpilot-b"));
            String leader = h.kube.leases().inNamespace(NS).withName("leaders-drainpilot").get().getSpec().getHolderIdentity();
            assertThat(leader).isEqualTo("drainpilot-a");

            h.requestDrain("node-1");
            await().atMost(Harness.PATIENCE).until(() -> !h.migrations().isEmpty());
            assertThat(board(a).cards()).extracting(StatusBoard.NodeCard::node).containsExactly("node-1");
            assertThat(board(b2).cards()).as("the follower does not scan").isEmpty();
            await().atMost(Harness.PATIENCE).untilAsserted(() -> {
                assertThat(ObserveTest.get(a, "/observe/metrics").body()).contains("drainpilot_leader 1.0");
                assertThat(ObserveTest.get(b2, "/observe/metrics").body()).contains("drainpilot_leader 0.0");
            });

            h.stop(a); // the leader goes away mid-evacuation, as in a rolling update
            h.kube.pods().inNamespace(NS).withName("drainpilot-a").delete();
            h.awaitEvacuation("node-1", Names.COMPLETED);
            assertThat(h.kube.leases().inNamespace(NS).withName("leaders-drainpilot").get().getSpec().getHolderIdentity())
                    .isEqualTo("drainpilot-b");
            await().atMost(Harness.PATIENCE).untilAsserted(() ->
                    assertThat(ObserveTest.get(b2, "/observe/metrics").body()).contains("drainpilot_leader 1.0"));
            assertThat(h.migrationsCreatedPerVmi().values()).containsOnly(1L);
            assertThat(h.summary("node-1").migrated()).isEqualTo(6);
        }
    }

    static Map<String, String> replica(String pod) {
        return Map.of("drainpilot.leader.enabled", "true", "drainpilot.leader.pod-name", pod,
                "drainpilot.leader.namespace", NS, "drainpilot.leader.lease-duration", "3s",
                "drainpilot.leader.renew-deadline", "2s", "drainpilot.leader.retry-period", "200ms");
    }

    private static StatusBoard board(DrainPilotRuntime rt) {
        return rt.bean("statusBoard", StatusBoard.class);
    }

    /** A Running, Ready pod with the Deployment's labels: what the Lease candidates are checked against. */
    static void candidatePod(Harness h, String name) {
        h.kube.pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName(name).withNamespace(NS)
                .addToLabels("app.kubernetes.io/name", "drainpilot").endMetadata()
                .withNewSpec().addNewContainer().withName("drainpilot").withImage("drainpilot:test").endContainer().endSpec()
                .withNewStatus().withPhase("Running").addNewCondition().withType("Ready").withStatus("True").endCondition()
                .endStatus().build()).create();
    }
}
