package io.drainpilot.flow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.drainpilot.kubevirt.VirtualMachine;
import io.drainpilot.names.Names;
import io.drainpilot.sim.Scenarios;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * Alertmanager payloads as Prometheus sends them: each alert fires with {@code endsAt} ahead and a generatorURL, is
 * re-sent while its condition holds (a node Blocked) and resolved ({@code endsAt} now) once over (a retry that then
 * succeeded, a stopped VM started again, a release). Checked on what a receiver gets, and against the real
 * Alertmanager (Debian's {@code prometheus-alertmanager}; .ci/run installs it, the test skips without it) through
 * its API v2.
 */
class AlertmanagerAlertsTest {
    private static final String DRAIN_OPTIONS = "{\"enabled\":true}";
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path ALERTMANAGER = Path.of("/usr/bin/prometheus-alertmanager");

    // ---- against a receiver that records every payload

    @Test
    void everyOutcomeOfADemoDrainIsResolvedOnceOver() throws IOException {
        try (Receiver receiver = new Receiver()) {
            demoDrain(receiver.url());
            // the retry that succeeded, the stop that was undone by the restart, the release, the restart itself
            await().atMost(Harness.PATIENCE).untilAsserted(() -> {
                Map<String, JsonNode> last = receiver.lastByLabels();
                assertThat(last.keySet()).anyMatch(k -> k.contains("action=retry"))
                        .anyMatch(k -> k.contains("action=shutdown-restart"))
                        .anyMatch(k -> k.contains("action=release")).anyMatch(k -> k.contains("action=restarted"));
                assertThat(last.values()).allSatisfy(a -> assertThat(resolved(a)).as("%s", a).isTrue());
            });
            // while they held, they were firing: endsAt ahead of the moment they were sent
            assertThat(receiver.received).anySatisfy(r -> assertThat(r.alert().path("labels").path("action").asText())
                    .isEqualTo("shutdown-restart")).anyMatch(r -> Instant.parse(r.alert().path("endsAt").asText())
                    .isAfter(r.at()));
            assertThat(receiver.received).allSatisfy(r -> {
                assertThat(r.alert().path("generatorURL").asText()).endsWith("/drainpilot/");
                assertThat(r.alert().path("startsAt").asText()).isNotBlank();
            });
        }
    }

    @Test
    void aBlockedNodeIsResentUntilItIsNoLongerBlocked() throws IOException {
        try (Receiver receiver = new Receiver()) {
            try (Harness h = new Harness(Scenarios.heterogeneous())) {
                h.startDrainPilot(settings(receiver.url(), Map.of("drainpilot.migration.target-steering", "off")));
                h.requestDrain("node-1");
                h.awaitEvacuation("node-1", Names.BLOCKED);
                // re-sent, each time firing a little further ahead
                await().atMost(Harness.PATIENCE).until(() -> receiver.ofAction("block").size() >= 3);
                List<JsonNode> blocks = receiver.ofAction("block");
                assertThat(blocks).noneMatch(AlertmanagerAlertsTest::resolved);
                assertThat(Instant.parse(blocks.get(blocks.size() - 1).path("endsAt").asText()))
                        .isAfter(Instant.parse(blocks.get(0).path("endsAt").asText()));
                assertThat(blocks).extracting(b -> b.path("startsAt").asText()).containsOnly(blocks.get(0).path("startsAt").asText());

                h.annotateNode("node-1", Names.CANCEL, "true");
                h.awaitEvacuation("node-1", Names.CANCELLED);
                await().atMost(Harness.PATIENCE).until(() -> {
                    List<JsonNode> all = receiver.ofAction("block");
                    return resolved(all.get(all.size() - 1));
                });
            }
        }
    }

    // ---- against the real Alertmanager

    @Test
    void theRealAlertmanagerShowsThemFiringThenResolved(@TempDir Path dir) throws Exception {
        assumeThat(Files.isExecutable(ALERTMANAGER)).as("prometheus-alertmanager installed").isTrue();
        try (RealAlertmanager am = new RealAlertmanager(dir)) {
            Set<String> seenFiring = ConcurrentHashMap.newKeySet();
            try (Harness h = new Harness(Scenarios.heterogeneous())) {
                h.startDrainPilot(settings(am.alertsUrl(), Map.of("drainpilot.migration.target-steering", "off")));
                h.requestDrain("node-1");
                h.awaitEvacuation("node-1", Names.BLOCKED);
                await().atMost(Harness.PATIENCE).untilAsserted(() -> {
                    List<JsonNode> active = am.activeAlerts();
                    active.forEach(a -> seenFiring.add(a.path("labels").path("action").asText()));
                    assertThat(active).anySatisfy(a -> {
                        assertThat(a.path("labels").path("action").asText()).isEqualTo("block");
                        assertThat(a.path("labels").path("node").asText()).isEqualTo("node-1");
                        assertThat(a.path("status").path("state").asText()).isEqualTo("active");
                        assertThat(a.path("generatorURL").asText()).endsWith("/drainpilot/");
                    });
                });
                // still firing after several re-send intervals: not left to Alertmanager's resolve_timeout
                String endsAt = am.activeAlerts().get(0).path("endsAt").asText();
                await().atMost(Harness.PATIENCE).until(() -> !am.activeAlerts().isEmpty()
                        && Instant.parse(am.activeAlerts().get(0).path("endsAt").asText()).isAfter(Instant.parse(endsAt)));

                h.annotateNode("node-1", Names.CANCEL, "true");
                h.awaitEvacuation("node-1", Names.CANCELLED);
                await().atMost(Harness.PATIENCE).until(() -> am.activeAlerts().isEmpty());
            }
            assertThat(seenFiring).contains("block");

            // a demo drain: nothing stays firing once everything is over
            seenFiring.clear();
            demoDrain(am.alertsUrl(), () -> am.activeAlerts().forEach(a -> seenFiring.add(a.path("labels").path("action").asText())));
            await().atMost(Harness.PATIENCE).until(() -> am.activeAlerts().isEmpty());
            assertThat(seenFiring).isNotEmpty();
        }
    }

    // ---- helpers

    private static Map<String, String> settings(String url, Map<String, String> more) {
        Map<String, String> s = new java.util.HashMap<>(Map.of("drainpilot.alert.webhook.url", url,
                "drainpilot.alert.webhook.format", "alertmanager", "drainpilot.alert.webhook.repeat-interval", "1s"));
        s.putAll(more);
        return s;
    }

    private static void demoDrain(String url) {
        demoDrain(url, () -> { });
    }

    /**
     * The demo's Harvester upgrade of node-1 through the Rancher hook (a migration fails once and is retried), until
     * the stopped VM runs again and every alert is over.
     */
    private static void demoDrain(String url, Runnable whileWaiting) {
        try (Harness h = new Harness(Scenarios.harvesterDemo())) {
            // as in the demo: one migration fails once and is retried
            h.cluster.simulator().failNextMigrationOf("default", "app-host-model", "injected: target pod lost");
            io.drainpilot.app.DrainPilotRuntime rt = h.startDrainPilot(settings(url, Map.of()));
            h.rancherPreDrain("node-1", DRAIN_OPTIONS);
            await().atMost(Harness.PATIENCE).until(() -> {
                whileWaiting.run();
                return DRAIN_OPTIONS.equals(h.preHook("node-1"));
            });
            h.rancherFinish("node-1");
            await().atMost(Harness.PATIENCE).until(() -> {
                whileWaiting.run();
                VirtualMachine vm = h.vm("default", "legacy-local-disk");
                return !VirtualMachine.HALTED.equals(vm.runStrategy());
            });
            // the restart's own alert and the resolutions go out with the next re-sends
            io.drainpilot.alert.AlertmanagerFeed feed = rt.bean("alertmanagerFeed", io.drainpilot.alert.AlertmanagerFeed.class);
            await().atMost(Harness.PATIENCE).until(() -> {
                whileWaiting.run();
                return feed.activeCount() == 0;
            });
            // the last re-send has been posted (the queue is empty and nothing is in flight)
            await().atMost(Harness.PATIENCE).until(() -> rt.context().getInflightRepository().size() == 0);
        }
    }

    static boolean resolved(JsonNode alert) {
        return !Instant.parse(alert.path("endsAt").asText()).isAfter(Instant.now());
    }

    /** An HTTP receiver on localhost that keeps every alert of every POST with the time it came. */
    static final class Receiver implements AutoCloseable {
        record Received(Instant at, JsonNode alert) {
        }

        final List<Received> received = new CopyOnWriteArrayList<>();
        private final HttpServer server;

        Receiver() throws IOException {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/api/v2/alerts", ex -> {
                JsonNode body = JSON.readTree(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
                Instant now = Instant.now();
                body.forEach(a -> received.add(new Received(now, a)));
                ex.sendResponseHeaders(200, -1);
                ex.close();
            });
            server.start();
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/api/v2/alerts";
        }

        /** The last payload of each alert (alerts are told apart by their labels, as Alertmanager does). */
        Map<String, JsonNode> lastByLabels() {
            Map<String, JsonNode> out = new java.util.TreeMap<>();
            for (Received r : received) {
                Map<String, String> labels = new java.util.TreeMap<>();
                r.alert().path("labels").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
                out.put(labels.toString(), r.alert());
            }
            return out;
        }

        List<JsonNode> ofAction(String action) {
            return received.stream().map(Received::alert)
                    .filter(a -> action.equals(a.path("labels").path("action").asText())).toList();
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    /** Debian's Alertmanager on a free loopback port, with a temporary config and storage, no clustering. */
    static final class RealAlertmanager implements AutoCloseable {
        private final Process process;
        private final int port;

        RealAlertmanager(Path dir) throws Exception {
            port = Harness.freePort();
            Path config = dir.resolve("alertmanager.yml");
            Files.writeString(config, """
                    route:
                      receiver: nowhere
                      group_wait: 1s
                    receivers:
                      - name: nowhere
                    """);
            process = new ProcessBuilder(ALERTMANAGER.toString(), "--config.file=" + config,
                    "--storage.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port,
                    "--cluster.listen-address=").redirectErrorStream(true)
                    .redirectOutput(dir.resolve("alertmanager.log").toFile()).start();
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> HTTP.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/-/ready")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
        }

        String alertsUrl() {
            return "http://127.0.0.1:" + port + "/api/v2/alerts";
        }

        /** GET /api/v2/alerts: the alerts Alertmanager holds as firing (resolved ones are not listed). */
        List<JsonNode> activeAlerts() {
            try {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(alertsUrl() + "?active=true"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(200);
                List<JsonNode> out = new ArrayList<>();
                JSON.readTree(r.body()).forEach(out::add);
                return out;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
