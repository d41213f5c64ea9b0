package io.drainpilot.startup;

import io.drainpilot.CommandLine;
import io.drainpilot.app.DrainPilotRuntime;
import io.drainpilot.sim.Scenarios;
import io.drainpilot.sim.SimSettings;
import io.drainpilot.sim.SimulatedCluster;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What an operator sees when the configuration or a route file is wrong: one message naming the culprit. */
class StartupFailuresTest {

    @Test
    void aBrokenRouteFileStopsStartupNamingTheFileAndLine(@TempDir Path dir) throws IOException {
        Path routes = Files.createDirectories(dir.resolve("routes"));
        for (Path p : Files.newDirectoryStream(Path.of("routes"), "*.camel.yaml")) {
            Files.copy(p, routes.resolve(p.getFileName()));
        }
        // an ops edit gone wrong: a step that does not exist, on line 7
        Files.writeString(routes.resolve("broken.camel.yaml"), """
                # a route added by hand
                - route:
                    id: broken
                    from:
                      uri: direct:broken
                      steps:
                        - lgo:
                            message: "typo"
                """);
        try (SimulatedCluster cluster = SimulatedCluster.start(Scenarios.heterogeneous(), SimSettings.forTests());
             KubernetesClient client = cluster.newClient()) {
            DrainPilotRuntime rt = DrainPilotRuntime.create(Path.of("config/application.properties"),
                    Map.of("camel.main.routesIncludePattern", "file:" + routes + "/*.camel.yaml",
                            "camel.management.port", String.valueOf(io.drainpilot.flow.Harness.freePort())), client);
            assertThatThrownBy(rt::start).satisfies(e -> {
                String message = DrainPilotRuntime.describe(e);
                assertThat(message).contains("broken.camel.yaml").contains("line 7").contains("lgo");
            });
            rt.close();
        }
    }

    @Test
    void noRouteFilesStopStartupNamingTheDirectory(@TempDir Path dir) throws IOException {
        Path routes = Files.createDirectories(dir.resolve("routes"));
        assertThat(startFailure(routes)).isEqualTo("no route files: nothing in " + routes + " matches *.camel.yaml"
                + " (camel.main.routesIncludePattern=file:" + routes + "/*.camel.yaml)");
    }

    @Test
    void aMissingStageRouteStopsStartupNamingIt(@TempDir Path dir) throws IOException {
        Path routes = Files.createDirectories(dir.resolve("routes"));
        for (Path p : Files.newDirectoryStream(Path.of("routes"), "*.camel.yaml")) {
            if (!p.getFileName().toString().equals("await.camel.yaml")) {
                Files.copy(p, routes.resolve(p.getFileName()));
            }
        }
        assertThat(startFailure(routes)).startsWith("the route files in " + routes
                + " lack the stage routes DrainPilot needs: await (timer:drainpilot-await), settle-migration"
                + " (direct:settle-migration)");
    }

    private static String startFailure(Path routes) {
        try (SimulatedCluster cluster = SimulatedCluster.start(Scenarios.heterogeneous(), SimSettings.forTests());
             KubernetesClient client = cluster.newClient()) {
            DrainPilotRuntime rt = DrainPilotRuntime.create(Path.of("config/application.properties"),
                    Map.of("camel.main.routesIncludePattern", "file:" + routes + "/*.camel.yaml",
                            "camel.management.port", String.valueOf(io.drainpilot.flow.Harness.freePort())), client);
            try {
                rt.start();
                return "started";
            } catch (RuntimeException e) {
                return DrainPilotRuntime.describe(e);
            } finally {
                rt.close();
            }
        }
    }

    @Test
    void anInvalidSettingStopsStartupNamingKeyValueAndWhatIsAllowed() {
        try (SimulatedCluster cluster = SimulatedCluster.start(Scenarios.heterogeneous(), SimSettings.forTests());
             KubernetesClient client = cluster.newClient()) {
            DrainPilotRuntime rt = DrainPilotRuntime.create(Path.of("config/application.properties"),
                    Map.of("drainpilot.migration.max-in-cluster", "lots",
                            "camel.management.port", String.valueOf(io.drainpilot.flow.Harness.freePort())), client);
            assertThatThrownBy(rt::start).satisfies(e -> assertThat(DrainPilotRuntime.describe(e)).isEqualTo(
                    "Invalid setting drainpilot.migration.max-in-cluster=\"lots\": allowed: a whole number from 1 to 1000"
                            + " (set in config/application.properties or env DRAINPILOT_MIGRATION_MAX_IN_CLUSTER)"));
            rt.close();
        }
    }

    @Test
    void aMissingConfigurationFileIsNamed(@TempDir Path dir) {
        assertThatThrownBy(() -> DrainPilotRuntime.create(dir.resolve("nope.properties"), Map.of(), null))
                .hasMessageContaining("nope.properties not found");
    }

    @Test
    void unknownOptionsAreRefusedWithUsage() {
        assertThatThrownBy(() -> CommandLine.parse(new String[] {"--drain-everything"}, k -> null))
                .hasMessage("unknown option: --drain-everything");
        assertThat(CommandLine.parse(new String[] {"--preflight", "node-2"}, k -> null).node()).contains("node-2");
        assertThat(CommandLine.parse(new String[] {}, k -> "/etc/dp.properties").config()).isEqualTo(Path.of("/etc/dp.properties"));
    }
}
