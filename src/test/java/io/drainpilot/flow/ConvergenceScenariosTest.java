package io.drainpilot.flow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.drainpilot.app.DrainPilotRuntime;
import io.drainpilot.kubevirt.KubeVirt;
import io.drainpilot.names.Names;
import io.drainpilot.sim.CpuProfile;
import io.drainpilot.sim.Scenario;
import io.drainpilot.sim.SimRecord;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Migration progress from the simulated Prometheus, and migrations that cannot converge. */
class ConvergenceScenariosTest {
    private static final String NS = "default";

    private static Scenario threeSkylakes(Scenario.VmSpec... vms) {
        Scenario.Builder b = Scenario.builder().kubeVirt("kubevirt", "v1.6.0")
                .node(Scenario.node("node-1", CpuProfile.SKYLAKE).memory("64Gi"))
                .node(Scenario.node("node-2", CpuProfile.SKYLAKE).memory("64Gi"))
                .node(Scenario.node("node-3", CpuProfile.SKYLAKE).memory("64Gi"));
        for (Scenario.VmSpec vm : vms) {
            b.vm(vm);
        }
        return b.build();
    }

    private static Map<String, String> progressSettings(Harness h, String window) {
        Map<String, String> p = new HashMap<>(Harness.fastSettings());
        p.put("drainpilot.progress.prometheus-url", h.cluster.prometheus().url());
        p.put("drainpilot.progress.not-converging-window", window);
        return p;
    }

    private static JsonNode vmLine(DrainPilotRuntime rt, String vm) throws Exception {
        JsonNode status = new ObjectMapper().readTree(ObserveTest.get(rt, "/drainpilot/status").body());
        for (JsonNode node : status.path("nodes")) {
            for (JsonNode line : node.path("vms")) {
                if (vm.equals(line.path("name").asText())) {
                    return line;
                }
            }
        }
        return null;
    }

    private static List<SimRecord.MigrationOutcome> outcomesOf(Harness h, String vmi) {
        return h.cluster.record().outcomes().stream().filter(o -> o.vmiName().equals(vmi)).toList();
    }

    @Test
    void theStatusJsonAndTheGaugeShowHowFarARunningMigrationIs() {
        // 8 GiB at the test link's 20 MiB/s: about 4 s of Running, time for a few await rounds
        try (Harness h = new Harness(threeSkylakes(Scenario.vm(NS, "big").on("node-1").hostModel().memory("8Gi")
                .dirtyRate("2Mi")))) {
            DrainPilotRuntime rt = h.startDrainPilot(progressSettings(h, "60s"));
            h.requestDrain("node-1");

            AtomicReference<JsonNode> seen = new AtomicReference<>();
            await().atMost(Harness.PATIENCE).pollInterval(Duration.ofMillis(100)).until(() -> {
                JsonNode line = vmLine(rt, "big");
                if (line != null && line.has("progressPercent") && line.path("progressPercent").asDouble() > 0) {
                    seen.set(line);
                    return true;
                }
                return false;
            });
            JsonNode line = seen.get();
            assertThat(line.path("progressPercent").asDouble()).isBetween(0.1, 100.0);
            assertThat(line.path("bytesProcessed").asLong()).isPositive();
            assertThat(line.path("bytesRemaining").asLong()).isPositive();
            await().atMost(Harness.PATIENCE).untilAsserted(() -> assertThat(ObserveTest.get(rt, "/observe/metrics").body())
                    .containsPattern("drainpilot_migration_progress_ratio\\{namespace=\"default\",vm=\"big\"} 0\\.\\d+"));

            h.awaitEvacuation("node-1", Names.COMPLETED);
            assertThat(outcomesOf(h, "big")).extracting(SimRecord.MigrationOutcome::result)
                    .containsExactly(SimRecord.Result.SUCCEEDED);
        }
    }

    @Test
    void aMigrationThatCannotConvergeIsCancelledAndRecoveredBeforeItsDeadline() {
        // the guest dirties 30 MiB/s against a 20 MiB/s link; KubeVirt itself would abort it only after its
        // progressTimeout or completion deadline (here 1000 s, 10 s in the test's time); DrainPilot's is minutes away
        try (Harness h = new Harness(threeSkylakes(Scenario.vm(NS, "busy").on("node-1").hostModel().memory("1Gi")
                .dirtyRate("30Mi").label(Names.FALLBACK, "release")))) {
            h.kube.resources(KubeVirt.class).inNamespace("kubevirt").withName("kubevirt").edit(kv -> {
                kv.getSpec().configuration.migrations.progressTimeout = 1000L;
                kv.getSpec().configuration.migrations.completionTimeoutPerGiB = 1000L;
                return kv;
            });
            Map<String, String> settings = progressSettings(h, "300ms");
            settings.put("drainpilot.recovery.max-attempts", "2");
            h.startDrainPilot(settings);
            h.requestDrain("node-1");

            h.awaitEvacuation("node-1", Names.COMPLETED);
            // every attempt cancelled by DrainPilot (deleted), none left to KubeVirt's abort (which would be FAILED)
            assertThat(outcomesOf(h, "busy")).hasSize(2)
                    .allSatisfy(o -> assertThat(o.result()).isEqualTo(SimRecord.Result.CANCELLED));
            await().atMost(Harness.PATIENCE).untilAsserted(() -> assertThat(RecoveryScenariosTest.eventsAbout(h, "busy"))
                    .anyMatch(e -> e.getMessage().contains("NotConverging") && e.getMessage().contains("retry"))
                    .anyMatch(e -> e.getMessage().contains("NotConverging") && e.getMessage().contains("release")));
            assertThat(h.vmi(NS, "busy").annotation(Names.ATTEMPTS)).isEqualTo("2");
        }
    }
}
