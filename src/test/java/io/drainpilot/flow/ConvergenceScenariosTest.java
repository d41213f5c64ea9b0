package io.drainpilot.flow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.drainpilot.app.DrainPilotRuntime;
import io.drainpilot.kubevirt.KubeVirt;
import io.drainpilot.kubevirt.MigrationPolicy;
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
            // no escalation ladder here: after the retry, straight to the fallback
            settings.put("drainpilot.recovery.escalation.auto-converge", "false");
            h.startDrainPilot(settings);
            h.requestDrain("node-1");

            h.awaitEvacuation("node-1", Names.COMPLETED);
            // every attempt cancelled by DrainPilot (deleted), none left to KubeVirt's abort (which would be FAILED);
            // the simulated KubeVirt records the last deletion when it handles it, which may come after the release
            await().atMost(Harness.PATIENCE).untilAsserted(() -> assertThat(outcomesOf(h, "busy")).hasSize(2)
                    .allSatisfy(o -> assertThat(o.result()).isEqualTo(SimRecord.Result.CANCELLED)));
            await().atMost(Harness.PATIENCE).untilAsserted(() -> assertThat(RecoveryScenariosTest.eventsAbout(h, "busy"))
                    .anyMatch(e -> e.getMessage().contains("NotConverging") && e.getMessage().contains("retry"))
                    .anyMatch(e -> e.getMessage().contains("NotConverging") && e.getMessage().contains("release")));
            assertThat(h.vmi(NS, "busy").annotation(Names.ATTEMPTS)).isEqualTo("2");
        }
    }

    private static SimRecord.Result firstAttempt(Harness h, String vm) {
        SimRecord.MigrationOutcome first = outcomesOf(h, vm).get(0);
        if (first.result() == SimRecord.Result.FAILED) {
            assertThat(first.failureReason()).startsWith("Live migration stuck for");
        } else {
            assertThat(first.result()).isEqualTo(SimRecord.Result.CANCELLED);
        }
        return first.result();
    }

    @Test
    void theEscalationLadderTriesAutoConvergeThenPostCopyWhereAllowedThenTheFallback() {
        // against the 20 MiB/s test link: 24 MiB/s converges only with auto-converge; 200 MiB/s only in post-copy
        try (Harness h = new Harness(threeSkylakes(
                Scenario.vm(NS, "needs-auto-converge").on("node-1").hostModel().memory("1Gi").dirtyRate("24Mi"),
                Scenario.vm(NS, "needs-post-copy").on("node-1").hostModel().memory("1Gi").dirtyRate("200Mi")
                        .label(Names.ALLOW_POST_COPY, "true"),
                Scenario.vm(NS, "never").on("node-1").hostModel().memory("1Gi").dirtyRate("200Mi")
                        .label(Names.FALLBACK, "release")))) {
            Map<String, String> settings = progressSettings(h, "300ms");
            settings.put("drainpilot.recovery.max-attempts", "1");
            settings.put("drainpilot.migration.max-outbound-per-node", "3");
            h.startDrainPilot(settings);
            h.requestDrain("node-1");

            h.awaitEvacuation("node-1", Names.COMPLETED);
            // the first attempt of each is judged not converging and cancelled (or, on a slow machine, aborted by
            // KubeVirt for lack of progress first: a convergence failure too); then the ladder
            assertThat(outcomesOf(h, "needs-auto-converge")).extracting(SimRecord.MigrationOutcome::result)
                    .containsExactly(firstAttempt(h, "needs-auto-converge"), SimRecord.Result.SUCCEEDED);
            assertThat(h.vmi(NS, "needs-auto-converge").getStatus().migrationState.unknownFields())
                    .containsEntry("migrationPolicyName", "drainpilot-auto-converge");
            // auto-converge is not enough (KubeVirt aborts it for lack of progress), post-copy is
            assertThat(outcomesOf(h, "needs-post-copy")).extracting(SimRecord.MigrationOutcome::result)
                    .containsExactly(firstAttempt(h, "needs-post-copy"), SimRecord.Result.FAILED, SimRecord.Result.SUCCEEDED);
            assertThat(h.vmi(NS, "needs-post-copy").getStatus().migrationState.mode).isEqualTo("PostCopy");
            assertThat(h.vmi(NS, "needs-post-copy").getStatus().migrationState.unknownFields())
                    .containsEntry("migrationPolicyName", "drainpilot-post-copy");
            // not labelled for post-copy: after auto-converge its fallback
            assertThat(outcomesOf(h, "never")).extracting(SimRecord.MigrationOutcome::result)
                    .containsExactly(firstAttempt(h, "never"), SimRecord.Result.FAILED);
            assertThat(h.vmi(NS, "never").getStatus().nodeName).isEqualTo("node-1");
            assertThat(h.vmi(NS, "never").annotation("drainpilot.io/escalations")).endsWith("=auto-converge");
            // the attempt count stays exact, and no escalation label is left behind
            assertThat(h.vmi(NS, "needs-auto-converge").annotation(Names.ATTEMPTS)).isEqualTo("2");
            assertThat(h.vmi(NS, "needs-post-copy").annotation(Names.ATTEMPTS)).isEqualTo("3");
            assertThat(h.vmi(NS, "never").annotation(Names.ATTEMPTS)).isEqualTo("2");
            await().atMost(Harness.PATIENCE).untilAsserted(() -> {
                for (String vm : List.of("needs-auto-converge", "needs-post-copy", "never")) {
                    assertThat(h.vmi(NS, vm).label(Names.ESCALATION)).as(vm).isNull();
                }
                assertThat(RecoveryScenariosTest.eventsAbout(h, "needs-post-copy"))
                        .anyMatch(e -> e.getMessage().startsWith("[warning]") && e.getMessage().contains("post-copy"));
                assertThat(RecoveryScenariosTest.eventsAbout(h, "never"))
                        .anyMatch(e -> e.getMessage().contains("auto-converge"))
                        .noneMatch(e -> e.getMessage().contains("escalating to post-copy"))
                        .anyMatch(e -> e.getMessage().contains("release"));
            });
            assertThat(h.kube.resources(MigrationPolicy.class).withName("drainpilot-post-copy").get().getSpec().allowPostCopy)
                    .isTrue();
        }
    }

    @Test
    void prometheusDownOrBehindATokenNeverHoldsUpADrainAndIsWarnedAboutOnce() throws Exception {
        try (Harness h = new Harness(threeSkylakes(Scenario.vm(NS, "big").on("node-1").hostModel().memory("16Gi")
                .dirtyRate("2Mi")));
             LogCapture logs = new LogCapture("io.drainpilot.progress")) {
            h.cluster.prometheus().requireToken("s3cret-token");
            h.cluster.prometheus().down(true);
            Map<String, String> settings = progressSettings(h, "60s");
            settings.put("drainpilot.progress.prometheus-token", "s3cret-token");
            DrainPilotRuntime rt = h.startDrainPilot(settings);
            h.requestDrain("node-1");

            await().atMost(Harness.PATIENCE).until(() -> logs.messages().stream()
                    .anyMatch(m -> m.contains("Prometheus did not answer")));
            h.cluster.prometheus().down(false);
            // back, and the token is accepted: progress shows
            await().atMost(Harness.PATIENCE).pollInterval(Duration.ofMillis(100)).until(() -> {
                JsonNode line = vmLine(rt, "big");
                return line != null && line.has("progressPercent");
            });
            h.awaitEvacuation("node-1", Names.COMPLETED);

            assertThat(logs.messages()).filteredOn(m -> m.contains("Prometheus did not answer")).hasSize(1)
                    .allSatisfy(m -> assertThat(m).contains("HTTP 503"));
            assertThat(logs.messages()).anyMatch(m -> m.contains("answers the migration progress query again"));
            String port = h.cluster.prometheus().url().replaceAll(".*:", ":");
            assertThat(logs.messages()).noneMatch(m -> m.contains("s3cret-token") || m.contains(port));
        }
    }
}
