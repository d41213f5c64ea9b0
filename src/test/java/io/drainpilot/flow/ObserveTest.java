package io.drainpilot.flow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.drainpilot.app.DrainPilotRuntime;
import io.drainpilot.names.Names;
import io.drainpilot.sim.RequestInterceptor;
import io.drainpilot.sim.Scenarios;
import io.fabric8.mockwebserver.http.MockResponse;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Health, Prometheus metrics and the status endpoints, over HTTP, on a real process against the simulated cluster. */
class ObserveTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    record Answer(int status, String contentType, String body) {
    }

    static Answer get(DrainPilotRuntime rt, String path) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + Harness.port(rt) + path))
                    .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body());
        } catch (Exception e) {
            throw new AssertionError("GET " + path + ": " + e, e);
        }
    }

    @Test
    void livenessAndReadinessAreServedAndReadinessFollowsTheApiServer() {
        try (Harness h = new Harness(Scenarios.heterogeneous())) {
            DrainPilotRuntime rt = h.startDrainPilot(Map.of("drainpilot.health.api-timeout", "1s"));

            Answer live = get(rt, "/observe/health/live");
            assertThat(live.status()).as(live.body()).isEqualTo(200);
            assertThat(live.body()).contains("\"UP\"");
            await().atMost(Harness.PATIENCE).untilAsserted(() -> {
                Answer ready = get(rt, "/observe/health/ready");
                assertThat(ready.status()).as(ready.body()).isEqualTo(200);
                assertThat(ready.body()).contains("\"UP\"");
            });
            Answer full = get(rt, "/observe/health?exposureLevel=full");
            assertThat(full.body()).as("the readiness checks").contains("kubernetes-api").contains("route:scan");

            // the API server stops answering node lists: not ready, still alive (no restart for an API outage)
            RequestInterceptor down = request -> request.getPath().startsWith("/api/v1/nodes")
                    ? Optional.of(new MockResponse().setResponseCode(503).setBody(
                            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"code\":503}"))
                    : Optional.<MockResponse>empty();
            h.cluster.dispatcher().addInterceptor(down);
            await().atMost(Harness.PATIENCE).untilAsserted(() -> {
                Answer ready = get(rt, "/observe/health/ready");
                assertThat(ready.status()).as(ready.body()).isEqualTo(503);
                assertThat(ready.body()).contains("DOWN");
            });
            assertThat(get(rt, "/observe/health/live").status()).isEqualTo(200);

            h.cluster.dispatcher().removeInterceptor(down);
            await().atMost(Harness.PATIENCE).untilAsserted(() ->
                    assertThat(get(rt, "/observe/health/ready").status()).isEqualTo(200));
        }
    }

    @Test
    void anEvacuationShowsInThePrometheusMetrics() {
        try (Harness h = new Harness(Scenarios.heterogeneous())) {
            h.cluster.simulator().stallMigrationsOf("default", "host-model-vm");
            DrainPilotRuntime rt = h.startDrainPilot();
            h.requestDrain("node-1");

            // one migration stalled: the gauges show the node draining and the VM in flight
            await().atMost(Harness.PATIENCE).untilAsserted(() -> {
                String m = get(rt, "/observe/metrics").body();
                assertThat(m).contains("drainpilot_nodes_draining 1.0").contains("drainpilot_vmis_in_flight 1.0");
            });
            h.cluster.simulator().clearFaultsOf("default", "host-model-vm");
            h.awaitEvacuation("node-1", Names.COMPLETED);

            await().atMost(Harness.PATIENCE).untilAsserted(() -> {
                Answer a = get(rt, "/observe/metrics");
                assertThat(a.status()).isEqualTo(200);
                assertThat(a.contentType()).startsWith("text/plain");
                assertThat(a.body())
                        .contains("drainpilot_migrations_started_total{node=\"node-1\"} 2.0")
                        .contains("drainpilot_migrations_ended_total{result=\"Succeeded\"} 2.0")
                        .contains("drainpilot_migration_duration_seconds_count{result=\"Succeeded\"} 2")
                        .contains("drainpilot_migration_duration_seconds_bucket{result=\"Succeeded\",le=")
                        .contains("drainpilot_vmis_in_flight 0.0")
                        .contains("drainpilot_vmis_pending 0.0")
                        .contains("drainpilot_nodes_draining 0.0")
                        // nothing went wrong: no recovery, no alert
                        .doesNotContain("drainpilot_recovery_outcomes_total{")
                        .doesNotContain("drainpilot_migrations_ended_total{result=\"Failed\"}");
            });
        }
    }

    @Test
    void recoveryAndAlertsAreCounted() {
        try (Harness h = new Harness(Scenarios.heterogeneous())) {
            DrainPilotRuntime rt = h.startDrainPilot(Map.of("drainpilot.migration.target-steering", "off"));
            h.requestDrain("node-1");
            h.awaitEvacuation("node-1", Names.BLOCKED);
            await().atMost(Harness.PATIENCE).untilAsserted(() -> assertThat(get(rt, "/observe/metrics").body())
                    .containsPattern("drainpilot_recovery_outcomes_total\\{action=\"block\",reason=\"No(Compatible|Safe)Target\"} [1-9]")
                    .contains("drainpilot_alerts_total{channel=\"events\",ok=\"true\"}")
                    .contains("drainpilot_nodes_draining 1.0"));
        }
    }

    @Test
    void statusJsonAndPageAreServed() throws Exception {
        try (Harness h = new Harness(Scenarios.heterogeneous())) {
            h.cluster.simulator().stallMigrationsOf("default", "host-model-vm");
            DrainPilotRuntime rt = h.startDrainPilot();
            h.requestDrain("node-1");
            await().atMost(Harness.PATIENCE).untilAsserted(() -> {
                Answer a = get(rt, "/drainpilot/status");
                assertThat(a.status()).as(a.body()).isEqualTo(200);
                assertThat(a.contentType()).startsWith("application/json");
                assertThat(new ObjectMapper().readTree(a.body()).path("version").asText()).isEqualTo("dev");
                JsonNode node = new ObjectMapper().readTree(a.body()).path("nodes").path(0);
                assertThat(node.path("node").asText()).isEqualTo("node-1");
                assertThat(node.path("state").asText()).isEqualTo(Names.IN_PROGRESS);
                assertThat(node.path("signals").toString()).contains("drainpilot.io/drain-requested");
                assertThat(node.path("counts").path("Migrating").asInt()).isEqualTo(1);
                assertThat(node.path("vms").toString()).contains("\"namespace\":\"default\",\"name\":\"host-model-vm\",\"state\":\"Migrating\"");
                assertThat(node.path("progress").path("total").asInt()).isEqualTo(2);
                assertThat(node.path("progress").path("done").asInt()).isEqualTo(1);
            });
            Answer page = get(rt, "/drainpilot/");
            assertThat(page.status()).isEqualTo(200);
            assertThat(page.contentType()).startsWith("text/html");
            assertThat(page.body()).contains("<title>DrainPilot status</title>").contains("STATUS_URL = 'status'")
                    .doesNotContain("src=\"http").doesNotContain("href=\"http");
            Answer bare = get(rt, "/drainpilot");
            assertThat(bare.status()).as("/drainpilot redirects").isEqualTo(302);
            // relative, so a proxy's path prefix stays in front of it
            assertThat(HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + Harness.port(rt) + "/drainpilot"))
                    .GET().build(), HttpResponse.BodyHandlers.discarding()).headers().firstValue("Location"))
                    .hasValue("drainpilot/");
        }
    }

    @Test
    void theManagementServerBindsToTheConfiguredAddressOnly() throws Exception {
        try (Harness h = new Harness(Scenarios.heterogeneous())) {
            DrainPilotRuntime local = h.startDrainPilot(Map.of("camel.management.host", "127.0.0.1"));
            DrainPilotRuntime any = h.startDrainPilot();
            // 127.0.0.2 is this host too, but not the address the first process bound
            assertThat(reachable("127.0.0.1", Harness.port(local))).isTrue();
            assertThat(reachable("127.0.0.2", Harness.port(local))).isFalse();
            assertThat(reachable("127.0.0.2", Harness.port(any))).isTrue();
            assertThat(get(local, "/observe/health/live").status()).isEqualTo(200);
        }
    }

    private static boolean reachable(String host, int port) {
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new java.net.InetSocketAddress(host, port), 2000);
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
