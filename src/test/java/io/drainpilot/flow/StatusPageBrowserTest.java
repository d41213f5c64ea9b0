package io.drainpilot.flow;

import io.drainpilot.app.DrainPilotRuntime;
import io.drainpilot.names.Names;
import io.drainpilot.sim.Scenarios;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.sun.net.httpserver.HttpServer;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The status page as a browser renders it (headless Chromium runs its script, which fetches the JSON), during a
 * simulated evacuation with one migration stalled. Skipped when /usr/bin/chromium is not installed
 * (.ci/run installs it when it can).
 */
class StatusPageBrowserTest {
    static final Path CHROMIUM = Path.of(System.getProperty("drainpilot.chromium", "/usr/bin/chromium"));

    @TempDir
    Path profile;

    @Test
    void thePageShowsTheDrainingNodeItsVmsAndTheirStates() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM),
                "headless Chromium not found at " + CHROMIUM + ": status page browser test skipped "
                        + "(apt-get install -y chromium)");
        try (Harness h = new Harness(Scenarios.heterogeneous())) {
            h.cluster.simulator().stallMigrationsOf("default", "host-model-vm");
            DrainPilotRuntime rt = h.startDrainPilot();
            h.requestDrain("node-1");
            await().atMost(Harness.PATIENCE).until(() -> "node-2".equals(h.nodeOf("default", "passthrough-vm"))
                    && ObserveTest.get(rt, "/drainpilot/status").body().contains("\"Migrating\""));
            String url = "http://127.0.0.1:" + Harness.port(rt) + "/drainpilot/";

            String dom = chromium("--dump-dom", "--virtual-time-budget=5000", url);
            assertThat(dom).as(dom)
                    .contains("data-node=\"node-1\"")
                    .contains("data-state=\"" + Names.IN_PROGRESS + "\"")
                    .contains("data-vm=\"default/host-model-vm\" data-state=\"Migrating\"")
                    .contains(">default/host-model-vm</td>")
                    .contains("<span class=\"Migrating\">Migrating</span>")
                    .contains("1 of 2 done (50%)")
                    // a native progress bar with its values and a visible label tied to it
                    .containsPattern("<label class=\"progress-label\" for=\"(n\\d+)-progress\">Evacuation of node-1</label>"
                            + "<progress id=\"\\1-progress\" max=\"2\" value=\"1\"")
                    .contains("aria-live=\"polite\"")
                    .contains("this replica: single")
                    .contains("version dev")
                    .contains("id=\"dry-run\" hidden=\"\"")
                    .contains("id=\"error\" role=\"alert\" hidden=\"\"");

            // a picture for people: target/status-page.png (not asserted)
            Path png = Path.of("target", "status-page.png").toAbsolutePath();
            java.nio.file.Files.deleteIfExists(png); // an old picture must not pass for this run's
            chromium("--screenshot=" + png, "--window-size=1200,800", "--virtual-time-budget=5000", url);
            assertThat(png).exists();
        }
    }

    /**
     * Behind a path prefix, as {@code kubectl proxy} serves a Service: the page is opened at the prefixed
     * {@code /drainpilot} (no slash), follows the relative redirect, reads {@code status} relative to itself; between
     * two polls the node's drain is cancelled, and the live region says so (and says nothing on the polls before).
     */
    @Test
    void behindAProxyPrefixThePageReadsItsStatusRelativelyAndAnnouncesAChange() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM), "headless Chromium not found at " + CHROMIUM);
        try (Harness h = new Harness(Scenarios.heterogeneous())) {
            h.cluster.simulator().stallMigrationsOf("default", "host-model-vm");
            DrainPilotRuntime rt = h.startDrainPilot();
            h.requestDrain("node-1");
            await().atMost(Harness.PATIENCE).until(() -> ObserveTest.get(rt, "/drainpilot/status").body().contains("\"Migrating\""));
            Runnable cancel = () -> {
                Harness.annotateNode(h.kube, "node-1", Names.CANCEL, "true");
                await().atMost(Harness.PATIENCE).until(() -> ObserveTest.get(rt, "/drainpilot/status").body()
                        .contains("\"state\":\"" + Names.CANCELLED + "\""));
            };
            try (PrefixProxy proxy = new PrefixProxy(Harness.port(rt), 3, cancel)) {
                String dom = chromium("--dump-dom", "--virtual-time-budget=10000", proxy.url("/drainpilot"));
                assertThat(proxy.paths).as("the redirect kept the prefix and the script read status under it")
                        .contains("/drainpilot", "/drainpilot/", "/drainpilot/status");
                assertThat(proxy.redirects).containsOnly("drainpilot/");
                assertThat(proxy.statusReads.get()).as("the page polled past the change").isGreaterThan(3);
                assertThat(dom).as(dom)
                        .contains("data-node=\"node-1\"")
                        .contains("data-state=\"" + Names.CANCELLED + "\"")
                        // the card made at the first poll is the one updated at every later poll (ids count cards made)
                        .contains("<section class=\"node\" data-node=\"node-1\" aria-labelledby=\"n0-title\" data-state=\""
                                + Names.CANCELLED + "\">")
                        .contains("id=\"error\" role=\"alert\" hidden=\"\"");
                String live = dom.substring(dom.indexOf("id=\"announce\""));
                live = live.substring(0, live.indexOf("</p>"));
                assertThat(live).as("the live region").contains("aria-live=\"polite\"")
                        .contains("node-1: " + Names.IN_PROGRESS + " → " + Names.CANCELLED)
                        .contains("drain of node-1 ended: " + Names.CANCELLED);
            }
        }
    }

    @Test
    void aDryRunSaysSoInABanner() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM), "headless Chromium not found at " + CHROMIUM);
        try (Harness h = new Harness(Scenarios.heterogeneous())) {
            DrainPilotRuntime rt = h.startDrainPilot(java.util.Map.of("drainpilot.dry-run", "true"));
            h.requestDrain("node-1");
            await().atMost(Harness.PATIENCE).until(() -> ObserveTest.get(rt, "/drainpilot/status").body().contains("\"DryRun\""));
            String dom = chromium("--dump-dom", "--virtual-time-budget=5000", "http://127.0.0.1:" + Harness.port(rt) + "/drainpilot/");
            assertThat(dom).as(dom)
                    .contains("<p class=\"banner\" id=\"dry-run\">Dry run: DrainPilot plans and reports what it would do")
                    .contains("<span class=\"badge DryRun\">DryRun</span>");
        }
    }

    /**
     * The fields that arrive with the live migration data and the drain reports (per node in flight, queued, holds,
     * ETA; per VM phase, target, attempt, elapsed against deadline, bytes and percent; a report ConfigMap per ended
     * drain), and a follower's answer: the page as served, fed a status document that has them all.
     */
    @Test
    void thePageRendersEveryOptionalFieldWhenPresent() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM), "headless Chromium not found at " + CHROMIUM);
        String status = """
                {"generatedAt":"2026-01-01T10:00:00Z","version":"1.2.3","role":"follower","leader":"drainpilot-a",
                 "dryRun":false,"namespace":"drainpilot","nodesFrom":"board",
                 "harvester":{"mode":"conductor","why":"Harvester v1.7.0 has the pause map","upgrade":"hvst-upgrade-1",
                              "nodeStates":{"node-7":"PreDraining"}},
                 "nodes":[{"node":"node-7","state":"InProgress","signals":["annotation drainpilot.io/drain-requested"],
                   "counts":{"Migrating":1},"progress":{"done":1,"total":6,"from":"summary"},
                   "summary":{"total":6,"migrated":1,"pending":3,"inFlight":2,"failed":1,"fellBack":0,
                              "startedAt":"2026-01-01T09:50:00Z","updatedAt":"2026-01-01T09:59:00Z"},
                   "inFlight":2,"queued":3,"holds":["default/db: waits for a migration slot","node-9 is not Ready"],
                   "etaSeconds":420,"seenAt":"2026-01-01T10:00:00Z",
                   "vms":[{"namespace":"default","name":"db","state":"Migrating","detail":"migration drainpilot-db-x-2",
                           "phase":"Running","target":"node-9","attempt":2,"elapsedSeconds":42,"deadlineSeconds":300,
                           "bytesProcessed":1073741824,"bytesRemaining":3221225472,"progressPercent":25}]}],
                 "history":[{"node":"node-3","drainId":"d3","outcome":"Completed","lastState":"Completed",
                   "startedAt":"2026-01-01T08:00:00Z","endedAt":"2026-01-01T08:20:00Z",
                   "counts":{"total":4,"migrated":3,"fellBack":1,"failed":0,"pending":0,"inFlight":0},
                   "source":"annotations","reportConfigMap":"drainpilot-report-node-3-d3"}]}
                """;
        String page = new String(StatusPageBrowserTest.class.getResourceAsStream("/drainpilot/status.html").readAllBytes(),
                StandardCharsets.UTF_8);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            try (ex) {
                String path = ex.getRequestURI().getPath();
                byte[] body = (path.equals("/drainpilot/") ? page : path.equals("/drainpilot/status") ? status : "")
                        .getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().set("Content-Type", path.endsWith("status") ? "application/json" : "text/html");
                ex.sendResponseHeaders(body.length == 0 ? 404 : 200, body.length == 0 ? -1 : body.length);
                if (body.length > 0) {
                    ex.getResponseBody().write(body);
                }
            }
        });
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/drainpilot/";
            String dom = chromium("--dump-dom", "--virtual-time-budget=3000", url);
            assertThat(dom).as(dom)
                    .contains("this replica: follower · leader: drainpilot-a")
                    .contains("version 1.2.3")
                    .contains("<p class=\"note\" id=\"follower\">This replica follows drainpilot-a")
                    .contains("Harvester upgrade hvst-upgrade-1: conductor mode")
                    .contains("in flight 2 · queued 3 · failed, to retry 1 · ETA about 7 min")
                    .contains("<li>default/db: waits for a migration slot</li><li>node-9 is not Ready</li>")
                    .contains("max=\"6\" value=\"1\"")
                    .contains("<table class=\"vms\">") // no column hidden: every field is there
                    .contains("<td class=\"small col-phase\">Running</td>")
                    .contains("<td class=\"small col-target\">node-9</td>")
                    .contains("<td class=\"small col-attempt\">2</td>")
                    .contains("<td class=\"small col-elapsed\">42 s / 5 min</td>")
                    .contains("<span>1.0 GiB of 4.0 GiB · 25%</span>")
                    .contains("<progress class=\"vm\" max=\"100\" value=\"25\" aria-label=\"Migration of default/db: 25% transferred\">")
                    .contains("data-node=\"node-3\" data-outcome=\"Completed\"")
                    .contains("3 of 4 migrated, 1 fell back")
                    .contains("ConfigMap drainpilot-report-node-3-d3")
                    .contains("<code>kubectl -n drainpilot get configmap drainpilot-report-node-3-d3 -o yaml</code>")
                    .contains("id=\"error\" role=\"alert\" hidden=\"\"");
            Path png = Path.of("target", "status-page-all-fields.png").toAbsolutePath();
            Files.deleteIfExists(png);
            chromium("--screenshot=" + png, "--window-size=1200,800", "--virtual-time-budget=3000", url);
            assertThat(png).exists();
        } finally {
            server.stop(0);
        }
    }

    /**
     * Serves DrainPilot under {@code /api/v1/namespaces/drainpilot/services/drainpilot:9876/proxy/} as the API
     * server's service proxy does: the rest of the path goes to DrainPilot as it is, answers come back unchanged
     * (a relative Location too). The API server's proxy also prefixes absolute paths in a Location and in an HTML
     * page's links; this one does not, so an absolute URL the page used would break here (the page has none). Before
     * answering the n-th status read it runs a change and waits for it.
     */
    static final class PrefixProxy implements AutoCloseable {
        static final String PREFIX = "/api/v1/namespaces/drainpilot/services/drainpilot:9876/proxy";
        final List<String> paths = new CopyOnWriteArrayList<>();
        final List<String> redirects = new CopyOnWriteArrayList<>();
        final AtomicInteger statusReads = new AtomicInteger();
        private final HttpServer server;
        private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

        PrefixProxy(int target, int changeAtRead, Runnable change) throws java.io.IOException {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/", ex -> {
                try (ex) {
                    String path = ex.getRequestURI().getRawPath();
                    if (!path.startsWith(PREFIX + "/")) {
                        ex.sendResponseHeaders(404, -1);
                        return;
                    }
                    String rest = path.substring(PREFIX.length());
                    paths.add(rest);
                    if (rest.equals("/drainpilot/status") && statusReads.incrementAndGet() == changeAtRead) {
                        change.run(); // the page's fetch waits meanwhile, as behind a slow proxy
                    }
                    HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + target + rest
                            + (ex.getRequestURI().getRawQuery() == null ? "" : "?" + ex.getRequestURI().getRawQuery())))
                            .GET().build(), HttpResponse.BodyHandlers.ofByteArray());
                    r.headers().firstValue("Content-Type").ifPresent(v -> ex.getResponseHeaders().set("Content-Type", v));
                    r.headers().firstValue("Location").ifPresent(v -> {
                        redirects.add(v);
                        ex.getResponseHeaders().set("Location", v);
                    });
                    ex.sendResponseHeaders(r.statusCode(), r.body().length == 0 ? -1 : r.body().length);
                    if (r.body().length > 0) {
                        ex.getResponseBody().write(r.body());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            server.start();
        }

        String url(String path) {
            return "http://127.0.0.1:" + server.getAddress().getPort() + PREFIX + path;
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    private String chromium(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + profile));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(profile.getParent(), "chromium", ".out");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(false).redirectOutput(out.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish within 60 s: " + cmd);
        }
        assertThat(p.exitValue()).as("chromium exit code for %s", cmd).isZero();
        String s = Files.readString(out, StandardCharsets.UTF_8);
        Files.deleteIfExists(out);
        return s;
    }
}
