package io.drainpilot.startup;

import io.drainpilot.CommandLine;
import io.drainpilot.app.DrainPilotRuntime;
import io.drainpilot.config.BuildVersion;
import io.drainpilot.config.ClusterConnection;
import io.drainpilot.flow.Harness;
import io.drainpilot.sim.Scenarios;
import io.drainpilot.sim.SimSettings;
import io.drainpilot.sim.SimulatedCluster;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The command line as an operator meets it: --version, the exit codes, what it says without a cluster or with one
 * that does not answer, the log format switch, a management port already taken. Some run the real entry point in a
 * child JVM (the classpath of this test run), as {@code java -jar} would.
 */
class CommandLineTest {

    @Test
    void versionAndExitCodesAreInTheHelp() {
        assertThat(CommandLine.parse(new String[] {"--version"}, k -> null).mode()).isEqualTo(CommandLine.Mode.VERSION);
        assertThat(CommandLine.USAGE).contains("--version").contains("Exit codes:")
                .contains("  1  cannot start").contains("  3  preflight").contains("  4  runtime error")
                .contains("  5  no cluster configuration");
        assertThat(BuildVersion.current()).as("from classes there is no manifest").isEqualTo(BuildVersion.UNKNOWN);
    }

    @Test
    void versionInAChildJvm() throws Exception {
        Result r = drainPilot(Map.of(), "--version");
        assertThat(r.exit()).isZero();
        assertThat(r.stdout()).containsExactly("drainpilot " + BuildVersion.UNKNOWN);
    }

    @Test
    void noClusterConfigurationIsSaidAsSuch(@TempDir Path home) throws IOException {
        assertThat(ClusterConnection.missingConfiguration(k -> null, home, home.resolve("token")))
                .hasValueSatisfying(m -> assertThat(m).startsWith("no cluster configuration found").contains("KUBECONFIG"));
        assertThat(ClusterConnection.missingConfiguration(Map.of("KUBECONFIG", "/nope")::get, home, home.resolve("token")))
                .hasValueSatisfying(m -> assertThat(m).contains("/nope"));
        // in a pod: the service account
        Files.writeString(home.resolve("token"), "x");
        assertThat(ClusterConnection.missingConfiguration(Map.of("KUBERNETES_SERVICE_HOST", "10.43.0.1")::get, home,
                home.resolve("token"))).isEmpty();
        Files.createDirectories(home.resolve(".kube"));
        Files.writeString(home.resolve(".kube/config"), "apiVersion: v1\n");
        assertThat(ClusterConnection.missingConfiguration(k -> null, home, home.resolve("none"))).isEmpty();
    }

    @Test
    void preflightAgainstAnUnreachableApiServerExitsFive(@TempDir Path dir) throws Exception {
        Result r = drainPilot(Map.of("KUBECONFIG", kubeconfigToAClosedPort(dir).toString()), "--preflight");
        assertThat(r.exit()).isEqualTo(5);
        assertThat(r.stderr()).anyMatch(l -> l.startsWith("drainpilot: the Kubernetes API server at https://127.0.0.1:")
                && l.contains("is unreachable"));
    }

    @Test
    void runAgainstAnUnreachableApiServerSaysSoInJsonAndKeepsTrying(@TempDir Path dir) throws Exception {
        Process p = start(Map.of("KUBECONFIG", kubeconfigToAClosedPort(dir).toString(), "DRAINPILOT_LOG_FORMAT", "json",
                "CAMEL_MANAGEMENT_PORT", String.valueOf(Harness.freePort())));
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            List<String> lines = new ArrayList<>();
            String line;
            while ((line = out.readLine()) != null) {
                lines.add(line);
                if (line.contains("is unreachable")) {
                    break;
                }
            }
            com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
            List<com.fasterxml.jackson.databind.JsonNode> events = new ArrayList<>();
            for (String l : lines) {
                events.add(json.readTree(l)); // every line is one JSON object
            }
            com.fasterxml.jackson.databind.JsonNode error = events.get(events.size() - 1);
            assertThat(error.path("level").asText()).isEqualTo("ERROR");
            assertThat(error.path("formattedMessage").asText()).contains("is unreachable")
                    .endsWith("DrainPilot keeps trying and is not ready until it answers");
            assertThat(events).anyMatch(e -> e.path("formattedMessage").asText()
                    .startsWith("DrainPilot " + BuildVersion.UNKNOWN + " connecting to https://127.0.0.1:"));
            assertThat(p.isAlive()).as("still running, not ready").isTrue();
        } finally {
            p.destroy();
            p.waitFor(20, TimeUnit.SECONDS);
        }
    }

    @Test
    void textLogLinesCarryTheDate(@TempDir Path dir) throws Exception {
        Process p = start(Map.of("KUBECONFIG", kubeconfigToAClosedPort(dir).toString(),
                "CAMEL_MANAGEMENT_PORT", String.valueOf(Harness.freePort())));
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line = out.readLine();
            assertThat(line).matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}(Z|[+-]\\d{2}:\\d{2}) .*");
        } finally {
            p.destroy();
            p.waitFor(20, TimeUnit.SECONDS);
        }
    }

    @Test
    void anUnknownLogFormatStopsStartup() throws Exception {
        Result r = drainPilot(Map.of("DRAINPILOT_LOG_FORMAT", "xml"), "--version");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.stderr()).anyMatch(l -> l.contains("DRAINPILOT_LOG_FORMAT=\"xml\": allowed: json, text"));
    }

    @Test
    void aManagementPortInUseIsAClearStartupError() throws IOException {
        try (SimulatedCluster cluster = SimulatedCluster.start(Scenarios.heterogeneous(), SimSettings.forTests());
             KubernetesClient one = cluster.newClient(); KubernetesClient two = cluster.newClient()) {
            int port = Harness.freePort();
            try (DrainPilotRuntime first = DrainPilotRuntime.create(Path.of("config/application.properties"),
                    Map.of("camel.management.port", String.valueOf(port)), one).start()) {
                DrainPilotRuntime second = DrainPilotRuntime.create(Path.of("config/application.properties"),
                        Map.of("camel.management.port", String.valueOf(port)), two);
                assertThatThrownBy(second::start).satisfies(e -> assertThat(DrainPilotRuntime.describe(e))
                        .isEqualTo("management port " + port + " on 0.0.0.0 is already in use (another DrainPilot?):"
                                + " stop that process, or set CAMEL_MANAGEMENT_PORT (camel.management.port) to a free port"));
                second.close();
                assertThat(first.context().isStarted()).isTrue();
            }
        }
    }

    @Test
    void theUnreachableCheckNamesTheCause() throws IOException {
        Config config = new ConfigBuilder(Config.empty()).withMasterUrl("http://127.0.0.1:" + closedPort() + "/")
                .withRequestRetryBackoffLimit(0).build();
        try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build()) {
            assertThat(ClusterConnection.unreachable(client, Duration.ofSeconds(5)))
                    .hasValueSatisfying(m -> assertThat(m).contains("is unreachable"));
        }
    }

    // ---- helpers

    record Result(int exit, List<String> stdout, List<String> stderr) {
    }

    private static Result drainPilot(Map<String, String> env, String... args) throws Exception {
        Process p = start(env, args);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("finished").isTrue();
        return new Result(p.exitValue(), lines(p.getInputStream()), lines(p.getErrorStream()));
    }

    private static Process start(Map<String, String> env, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "io.drainpilot.DrainPilot"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("KUBECONFIG");
        pb.environment().remove("DRAINPILOT_LOG_FORMAT");
        pb.environment().putAll(env);
        return pb.start();
    }

    private static List<String> lines(java.io.InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
    }

    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void preflightUpgradeWithJsonOutputPrintsOnlyJsonOnStandardOutput(@TempDir Path dir) throws Exception {
        try (SimulatedCluster cluster = SimulatedCluster.start(Scenarios.heterogeneous(), SimSettings.forTests())) {
            Path kubeconfig = dir.resolve("kubeconfig");
            Files.writeString(kubeconfig, """
                    apiVersion: v1
                    kind: Config
                    clusters:
                      - name: sim
                        cluster:
                          server: %s
                          insecure-skip-tls-verify: true
                    contexts:
                      - name: sim
                        context: {cluster: sim, user: someone}
                    current-context: sim
                    users:
                      - name: someone
                        user: {token: abc}
                    """.formatted(cluster.masterUrl()));
            // a busy test machine: give the simulated API server time to answer
            Result r = drainPilot(Map.of("KUBECONFIG", kubeconfig.toString(), "DRAINPILOT_HEALTH_API_TIMEOUT", "30s"),
                    "--preflight", "--upgrade", "-o", "json");
            assertThat(r.exit()).as(String.join("\n", r.stderr())).isIn(0, 3);
            com.fasterxml.jackson.databind.JsonNode root = new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(String.join("\n", r.stdout()));
            assertThat(root.path("steps").isArray()).isTrue();
            assertThat(root.path("totals").has("migrationsMinimum")).isTrue();
            assertThat(r.exit()).isEqualTo(root.path("totals").path("stuck").asInt() == 0 ? 0 : 3);
        }
    }

    @Test
    void preflightOptionsAreChecked() {
        CommandLine cli = CommandLine.parse(new String[] {"--preflight", "--upgrade", "--order", "a,b", "-o", "json"},
                k -> null);
        assertThat(cli.upgrade()).isTrue();
        assertThat(cli.order()).contains("a,b");
        assertThat(cli.output()).isEqualTo(CommandLine.Output.JSON);
        assertThatThrownBy(() -> CommandLine.parse(new String[] {"--upgrade"}, k -> null))
                .hasMessageContaining("go with --preflight");
        assertThatThrownBy(() -> CommandLine.parse(new String[] {"--preflight", "--order", "a"}, k -> null))
                .hasMessageContaining("--order goes with --preflight --upgrade");
        assertThatThrownBy(() -> CommandLine.parse(new String[] {"--preflight", "-o", "yaml"}, k -> null))
                .hasMessageContaining("allowed: json, text");
    }

    /** A kubeconfig naming an API server on a loopback port nothing listens on. */
    private static Path kubeconfigToAClosedPort(Path dir) throws IOException {
        Path file = dir.resolve("kubeconfig");
        Files.writeString(file, """
                apiVersion: v1
                kind: Config
                clusters:
                  - name: gone
                    cluster:
                      server: https://127.0.0.1:%d
                      insecure-skip-tls-verify: true
                contexts:
                  - name: gone
                    context: {cluster: gone, user: someone}
                current-context: gone
                users:
                  - name: someone
                    user: {token: abc}
                """.formatted(closedPort()));
        return file;
    }
}
