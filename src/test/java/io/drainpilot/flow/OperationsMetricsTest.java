package io.drainpilot.flow;

import io.drainpilot.app.DrainPilotRuntime;
import io.drainpilot.names.Names;
import io.drainpilot.sim.Scenarios;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * The metrics Prometheus alerts on (README, "Health, metrics and status"): the per-node evacuation state, leadership,
 * the version, the last successful scan; and DrainPilot's own families pass {@code promtool check metrics} where promtool
 * is installed (Debian's {@code prometheus} package; .ci/run installs it).
 */
class OperationsMetricsTest {

    @Test
    void evacuationStateLeaderVersionAndLastScan() {
        try (Harness h = new Harness(Scenarios.heterogeneous())) {
            h.cluster.simulator().stallMigrationsOf("default", "host-model-vm");
            Instant started = Instant.now();
            DrainPilotRuntime rt = h.startDrainPilot();
            h.requestDrain("node-1");
            await().atMost(Harness.PATIENCE).untilAsserted(() -> assertThat(metrics(rt))
                    .contains("drainpilot_node_evacuation_state{node=\"node-1\",state=\"InProgress\"} 1.0")
                    .contains("drainpilot_node_evacuation_state{node=\"node-1\",state=\"Blocked\"} 0.0")
                    .contains("drainpilot_node_evacuation_state{node=\"node-1\",state=\"Completed\"} 0.0")
                    .contains("drainpilot_node_evacuation_state{node=\"node-1\",state=\"Cancelled\"} 0.0")
                    // no leader election: this process is the one that scans
                    .contains("drainpilot_leader 1.0")
                    .contains("drainpilot_build_info{version=\"dev\"} 1"));
            double lastScan = value(metrics(rt), "drainpilot_last_scan_timestamp_seconds");
            assertThat(lastScan).isBetween(started.getEpochSecond() - 1.0, Instant.now().getEpochSecond() + 1.0);
            // it moves on with every scan
            await().atMost(Harness.PATIENCE).until(() -> value(metrics(rt), "drainpilot_last_scan_timestamp_seconds") > lastScan);

            h.annotateNode("node-1", Names.CANCEL, "true");
            await().atMost(Harness.PATIENCE).untilAsserted(() -> assertThat(metrics(rt))
                    .contains("drainpilot_node_evacuation_state{node=\"node-1\",state=\"Cancelled\"} 1.0")
                    .contains("drainpilot_node_evacuation_state{node=\"node-1\",state=\"InProgress\"} 0.0"));
            // the drain withdrawn: the node leaves the board and the gauge
            h.annotateNode("node-1", Names.DRAIN_REQUESTED, null);
            await().atMost(Harness.PATIENCE).untilAsserted(() -> assertThat(metrics(rt))
                    .doesNotContain("drainpilot_node_evacuation_state{node=\"node-1\""));
        }
    }

    @Test
    void aBlockedNodeShowsAsBlocked() {
        try (Harness h = new Harness(Scenarios.heterogeneous())) {
            DrainPilotRuntime rt = h.startDrainPilot(Map.of("drainpilot.migration.target-steering", "off"));
            h.requestDrain("node-1");
            h.awaitEvacuation("node-1", Names.BLOCKED);
            await().atMost(Harness.PATIENCE).untilAsserted(() -> assertThat(metrics(rt))
                    .contains("drainpilot_node_evacuation_state{node=\"node-1\",state=\"Blocked\"} 1.0")
                    .contains("drainpilot_node_evacuation_state{node=\"node-1\",state=\"InProgress\"} 0.0"));
        }
    }

    @Test
    void promtoolAcceptsTheMetrics() throws Exception {
        Path promtool = Path.of("/usr/bin/promtool");
        assumeThat(Files.isExecutable(promtool)).as("promtool (Debian package prometheus) installed").isTrue();
        try (Harness h = new Harness(Scenarios.heterogeneous())) {
            h.cluster.simulator().stallMigrationsOf("default", "host-model-vm");
            DrainPilotRuntime rt = h.startDrainPilot();
            h.requestDrain("node-1");
            await().atMost(Harness.PATIENCE).until(() -> metrics(rt).contains("drainpilot_migrations_started_total{"));
            // DrainPilot's own families; Camel's route metrics use camelCase labels that promtool's lint rejects
            String text = metrics(rt).lines().filter(l -> l.startsWith("drainpilot_") || l.startsWith("# HELP drainpilot_")
                    || l.startsWith("# TYPE drainpilot_")).collect(java.util.stream.Collectors.joining("\n", "", "\n"));
            assertThat(text).contains("drainpilot_node_evacuation_state{", "drainpilot_build_info{", "drainpilot_leader ",
                    "drainpilot_last_scan_timestamp_seconds ", "drainpilot_migrations_started_total{");
            Process p = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true).start();
            p.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as("promtool check metrics:\n%s", out).isZero();
        }
    }

    static String metrics(DrainPilotRuntime rt) {
        ObserveTest.Answer a = ObserveTest.get(rt, "/observe/metrics");
        assertThat(a.status()).isEqualTo(200);
        return a.body();
    }

    static double value(String metrics, String name) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + " (\\S+)$").matcher(metrics);
        assertThat(m.find()).as(name + " in the metrics").isTrue();
        return Double.parseDouble(m.group(1));
    }

}
