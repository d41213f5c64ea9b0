package io.drainpilot.flow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.drainpilot.app.DrainPilotRuntime;
import io.drainpilot.names.Names;
import io.drainpilot.sim.CpuProfile;
import io.drainpilot.sim.Scenario;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two replicas under leader election: the follower evaluates nothing, yet its status JSON shows the nodes the leader
 * drains (from their annotations), names the leader, and lists the drain that ended (rebuilt from the node).
 */
class StatusOnEveryReplicaTest {
    private static final String NS = "drainpilot";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theFollowerShowsTheLeadersDrainsAndNamesTheLeader() throws Exception {
        Scenario.Builder b = Scenario.builder().kubeVirt("kubevirt", "v1.6.0");
        for (int i = 1; i <= 6; i++) {
            b.node(Scenario.node("node-" + i, CpuProfile.SKYLAKE).memory("64Gi"));
        }
        for (int i = 1; i <= 4; i++) {
            b.vm(Scenario.vm("default", "vm-" + i).on("node-" + i).hostModel().memory("1Gi"));
        }
        try (Harness h = new Harness(b.build())) {
            for (int i = 1; i <= 3; i++) {
                h.cluster.simulator().stallMigrationsOf("default", "vm-" + i); // three drains stay in progress
            }
            LeaderElectionTest.candidatePod(h, "drainpilot-a");
            LeaderElectionTest.candidatePod(h, "drainpilot-b");
            DrainPilotRuntime a = h.startDrainPilot(LeaderElectionTest.replica("drainpilot-a"));
            await().atMost(Harness.PATIENCE).until(() ->
                    h.kube.leases().inNamespace(NS).withName("leaders-drainpilot").get() != null);
            DrainPilotRuntime follower = h.startDrainPilot(LeaderElectionTest.replica("drainpilot-b"));

            for (int i = 1; i <= 4; i++) {
                h.requestDrain("node-" + i);
            }
            h.awaitEvacuation("node-4", Names.COMPLETED);

            await().atMost(Harness.PATIENCE).untilAsserted(() -> {
                JsonNode doc = status(follower);
                assertThat(doc.path("role").asText()).isEqualTo("follower");
                assertThat(doc.path("leader").asText()).isEqualTo("drainpilot-a");
                assertThat(doc.path("dryRun").asBoolean(true)).isFalse();
                assertThat(doc.path("version").asText()).isEqualTo("dev");
                assertThat(doc.path("nodesFrom").asText()).isEqualTo("annotations");
                assertThat(nodeNames(doc)).contains("node-1", "node-2", "node-3");
                for (JsonNode n : doc.path("nodes")) {
                    if (List.of("node-1", "node-2", "node-3").contains(n.path("node").asText())) {
                        assertThat(n.path("state").asText()).isEqualTo(Names.IN_PROGRESS);
                        assertThat(n.path("signals").toString()).contains(Names.DRAIN_REQUESTED);
                        assertThat(n.path("progress").path("total").asInt()).isEqualTo(1);
                        assertThat(n.path("summary").path("inFlight").asInt()).isEqualTo(1);
                    }
                }
                JsonNode ended = history(doc, "node-4");
                assertThat(ended).as(doc.toString()).isNotNull();
                assertThat(ended.path("outcome").asText()).isEqualTo("Completed");
                assertThat(ended.path("drainId").asText()).isEqualTo(h.kube.nodes().withName("node-4").get()
                        .getMetadata().getAnnotations().get(io.drainpilot.names.Bookkeeping.DRAIN_ID));
                assertThat(ended.path("counts").path("migrated").asInt()).isEqualTo(1);
                assertThat(ended.path("startedAt").asText()).isNotEmpty();
                assertThat(ended.path("endedAt").asText()).isNotEmpty();
            });
            JsonNode leader = status(a);
            assertThat(leader.path("role").asText()).isEqualTo("leader");
            assertThat(leader.path("leader").asText()).isEqualTo("drainpilot-a");
            assertThat(nodeNames(leader)).contains("node-1", "node-2", "node-3");
            assertThat(history(leader, "node-4")).as(leader.toString()).isNotNull();

            // a drain withdrawn before it completed: the leader saw it go, the follower reads its end from the node
            h.kube.nodes().withName("node-1").edit(n -> {
                n.getMetadata().getAnnotations().remove(Names.DRAIN_REQUESTED);
                return n;
            });
            await().atMost(Harness.PATIENCE).untilAsserted(() -> {
                JsonNode l = status(a);
                assertThat(nodeNames(l)).doesNotContain("node-1");
                assertThat(history(l, "node-1")).as(l.toString()).isNotNull();
                assertThat(history(l, "node-1").path("outcome").asText()).isEqualTo("Withdrawn");
                assertThat(history(l, "node-1").path("lastState").asText()).isEqualTo(Names.IN_PROGRESS);
                JsonNode f = status(follower);
                assertThat(nodeNames(f)).doesNotContain("node-1").contains("node-2", "node-3");
                assertThat(history(f, "node-1")).as(f.toString()).isNotNull();
                assertThat(history(f, "node-1").path("outcome").asText()).isEqualTo("Ended");
                assertThat(history(f, "node-1").path("source").asText()).isEqualTo("annotations");
            });
        }
    }

    private static JsonNode status(DrainPilotRuntime rt) throws Exception {
        ObserveTest.Answer a = ObserveTest.get(rt, "/drainpilot/status");
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        return JSON.readTree(a.body());
    }

    private static List<String> nodeNames(JsonNode doc) {
        List<String> out = new ArrayList<>();
        doc.path("nodes").forEach(n -> out.add(n.path("node").asText()));
        return out;
    }

    private static JsonNode history(JsonNode doc, String node) {
        for (JsonNode e : doc.path("history")) {
            if (node.equals(e.path("node").asText())) {
                return e;
            }
        }
        return null;
    }
}
