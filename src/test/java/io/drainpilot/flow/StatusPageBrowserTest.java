package io.drainpilot.flow;

import io.drainpilot.app.DrainPilotRuntime;
import io.drainpilot.names.Names;
import io.drainpilot.sim.Scenarios;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

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
                    .contains("role=\"progressbar\"")
                    .doesNotContain("Cannot read /drainpilot/status");

            // a picture for people: target/status-page.png (not asserted)
            Path png = Path.of("target", "status-page.png").toAbsolutePath();
            java.nio.file.Files.deleteIfExists(png); // an old picture must not pass for this run's
            chromium("--screenshot=" + png, "--window-size=1200,800", "--virtual-time-budget=5000", url);
            assertThat(png).exists();
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
