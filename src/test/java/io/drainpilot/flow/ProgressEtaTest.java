package io.drainpilot.flow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.drainpilot.app.DrainPilotRuntime;
import io.drainpilot.names.Names;
import io.drainpilot.sim.CpuProfile;
import io.drainpilot.sim.Scenario;
import io.drainpilot.sim.SimSettings;
import io.drainpilot.work.EvacuationSummary;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Live progress per VM and node, and the estimated time left, as the status JSON, the summary annotation and the
 * metrics show them while a node drains.
 */
class ProgressEtaTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Five VMs of 1 GiB off node-1, two at a time; a migration takes about 2 s (1 GiB at 5 MiB/s, time x 0.01). */
    static Scenario scenario() {
        Scenario.Builder b = Scenario.builder().kubeVirt("kubevirt", "v1.6.0").migrationLimits(5, 2)
                .node(Scenario.node("node-1", CpuProfile.SKYLAKE).memory("64Gi"))
                .node(Scenario.node("node-2", CpuProfile.SKYLAKE).memory("64Gi"))
                .node(Scenario.node("node-3", CpuProfile.SKYLAKE).memory("64Gi"));
        for (int i = 1; i <= 5; i++) {
            b.vm(Scenario.vm("default", "vm-" + i).on("node-1").hostModel().memory("1Gi"));
        }
        return b.build();
    }

    static JsonNode node1(DrainPilotRuntime rt) throws Exception {
        ObserveTest.Answer a = ObserveTest.get(rt, "/drainpilot/status");
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        return JSON.readTree(a.body()).path("nodes").path(0);
    }

    static JsonNode vm(JsonNode node, String name) {
        for (JsonNode v : node.path("vms")) {
            if (name.equals(v.path("name").asText())) {
                return v;
            }
        }
        return JSON.missingNode();
    }

    @Test
    void statusShowsEachMigrationAndAnEstimateOnceTheFirstMigrationFinished() throws Exception {
        try (Harness h = new Harness(scenario(), new SimSettings(20, 5, 0.01, 42))) {
            // vm-1 stays Running until released: it keeps one lane busy and the drain open
            h.cluster.simulator().stallMigrationsOf("default", "vm-1");
            DrainPilotRuntime rt = h.startDrainPilot();
            h.awaitReady();
            h.requestDrain("node-1");

            // before any migration finished: no rate, so no estimate, never a made-up figure
            await().atMost(Harness.PATIENCE).untilAsserted(() -> {
                JsonNode n = node1(rt);
                assertThat(n.path("inFlight").asInt()).isEqualTo(2);
                assertThat(n.path("queued").asInt()).isEqualTo(3);
                assertThat(n.path("holds").toString()).contains("migration(s) under way").contains("VM(s) still to move");
                assertThat(n.path("etaSeconds").isNull()).as(n.toString()).isTrue();
                JsonNode queued = vm(n, "vm-5");
                assertThat(queued.path("state").asText()).isEqualTo("Queued");
                assertThat(queued.path("attempt").asInt()).isEqualTo(1);
            });

            // the stalled migration, as it runs: phase, target, attempt, elapsed and the deadline DrainPilot applies
            await().atMost(Harness.PATIENCE).untilAsserted(() -> {
                JsonNode v = vm(node1(rt), "vm-1");
                assertThat(v.path("state").asText()).isEqualTo("Migrating");
                assertThat(v.path("phase").asText()).isEqualTo("Running");
                assertThat(v.path("target").asText()).isIn("node-2", "node-3");
                assertThat(v.path("attempt").asInt()).isEqualTo(1);
                assertThat(v.path("elapsedSeconds").isIntegralNumber()).as(v.toString()).isTrue();
                assertThat(v.path("elapsedSeconds").asLong()).isBetween(0L, 60L);
                // running-base 5m + 150s for its 1 GiB, from when it started Running (at most seconds after creation)
                assertThat(v.path("deadlineSeconds").asLong()).isBetween(450L, 460L);
            });

            // once a migration has finished, the node has an estimate, in the JSON and in the summary annotation
            AtomicReference<JsonNode> seen = new AtomicReference<>();
            await().atMost(Harness.PATIENCE).untilAsserted(() -> {
                JsonNode n = node1(rt);
                seen.set(n);
                assertThat(n.path("summary").path("migrated").asInt()).isGreaterThanOrEqualTo(1);
                assertThat(n.path("etaSeconds").isIntegralNumber()).as(n.toString()).isTrue();
                assertThat(n.path("etaBasis").asText()).isIn("pair", "cluster", "mixed");
                EvacuationSummary s = h.summary("node-1");
                assertThat(s.etaSeconds()).as("summary %s", s).isNotNull();
            });
            assertThat(seen.get().path("etaSeconds").asLong()).isBetween(0L, 60L);
            await().atMost(Harness.PATIENCE).untilAsserted(() -> assertThat(ObserveTest.get(rt, "/observe/metrics").body())
                    .containsPattern("drainpilot_node_eta_seconds\\{node=\"node-1\"} [0-9.]+")
                    .containsPattern("drainpilot_migrated_bytes_total\\{node=\"node-1\"} [1-9][0-9.E]*"));

            // the four others moved, vm-1 still Running: the estimate alone changes, and writes nothing to the node
            await().atMost(Harness.PATIENCE).until(() -> h.summary("node-1").migrated() == 4);
            Map<String, Long> before = h.cluster.record().requestCounts();
            long elapsed = vm(node1(rt), "vm-1").path("elapsedSeconds").asLong();
            await().atMost(Harness.PATIENCE).until(() -> vm(node1(rt), "vm-1").path("elapsedSeconds").asLong() >= elapsed + 3);
            Map<String, Long> after = h.cluster.record().requestCounts();
            assertThat(after.getOrDefault("PATCH nodes", 0L) + after.getOrDefault("PUT nodes", 0L))
                    .as("node writes while only the estimate moved: %s -> %s", before, after)
                    .isEqualTo(before.getOrDefault("PATCH nodes", 0L) + before.getOrDefault("PUT nodes", 0L));

            h.cluster.simulator().clearFaultsOf("default", "vm-1");
            h.awaitEvacuation("node-1", Names.COMPLETED);
            EvacuationSummary done = h.summary("node-1");
            assertThat(done.migrated()).isEqualTo(5);
            assertThat(done.etaSeconds()).as("nothing left: %s", done).isEqualTo(0L);
            await().atMost(Harness.PATIENCE).untilAsserted(() -> assertThat(ObserveTest.get(rt, "/observe/metrics").body())
                    .contains("drainpilot_migrated_bytes_total{node=\"node-1\"} 5.36870912E9"));
        }
    }
}
