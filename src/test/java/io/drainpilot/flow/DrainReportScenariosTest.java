package io.drainpilot.flow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.drainpilot.names.Bookkeeping;
import io.drainpilot.names.Names;
import io.drainpilot.sim.CpuProfile;
import io.drainpilot.sim.Scenario;
import io.drainpilot.work.AlertNotes;
import io.drainpilot.work.DrainReport;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Event;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Drain reports: written as a ConfigMap when a drain ends, what they say, how many are kept, the Event. */
class DrainReportScenariosTest {
    private static final String NS = "default";
    private static final String OWN = "drainpilot";

    private static Scenario.Builder threeSkylakes() {
        return Scenario.builder().kubeVirt("kubevirt", "v1.6.0")
                .node(Scenario.node("node-1", CpuProfile.SKYLAKE).memory("32Gi"))
                .node(Scenario.node("node-2", CpuProfile.SKYLAKE).memory("32Gi"))
                .node(Scenario.node("node-3", CpuProfile.SKYLAKE).memory("32Gi"));
    }

    private static Scenario.VmSpec vm(String name) {
        return Scenario.vm(NS, name).on("node-1").hostModel().memory("1Gi");
    }

    static List<ConfigMap> reports(Harness h) {
        return h.kube.configMaps().inNamespace(OWN).withLabel(Names.REPORT, "true").list().getItems();
    }

    static List<Event> reportEvents(Harness h, String node) {
        return h.kube.v1().events().inAnyNamespace().list().getItems().stream()
                .filter(e -> node.equals(e.getInvolvedObject().getName()) && "Node".equals(e.getInvolvedObject().getKind()))
                .filter(e -> "DrainPilotDrainReport".equals(e.getReason())).toList();
    }

    @Test
    void aCompletedDrainLeavesAReportWithEveryVmsOutcomeAttemptsTargetFallbackAndAlerts() throws Exception {
        Scenario s = threeSkylakes().vm(vm("flaky")).vm(vm("stop-me").label(Names.FALLBACK, "shutdown-restart")).build();
        try (Harness h = new Harness(s)) {
            h.cluster.simulator().failNextMigrationOf(NS, "flaky", "injected: target pod crashed");
            h.cluster.simulator().failAllMigrationsOf(NS, "stop-me", "injected: never converges");
            var rt = h.startDrainPilot();
            h.requestDrain("node-1");
            h.awaitEvacuation("node-1", Names.COMPLETED);
            String drainId = h.node("node-1").getMetadata().getAnnotations().get(Bookkeeping.DRAIN_ID);
            String name = Names.reportName("node-1", drainId);
            await().atMost(Harness.PATIENCE).until(() -> reports(h).size() == 1);
            ConfigMap cm = reports(h).get(0);
            assertThat(cm.getMetadata().getName()).isEqualTo(name).isEqualTo("drainpilot-report-node-1-" + drainId);
            assertThat(cm.getMetadata().getLabels()).containsEntry(Names.REPORT_NODE, "node-1")
                    .containsEntry(Names.REPORT_DRAIN_ID, drainId);
            DrainReport r = DrainReport.parse(cm.getData().get(Names.REPORT_JSON));
            assertThat(r.node()).isEqualTo("node-1");
            assertThat(r.drainId()).isEqualTo(drainId);
            assertThat(r.end()).isEqualTo("Completed");
            assertThat(r.signals()).containsExactly("annotation drainpilot.io/drain-requested");
            assertThat(r.startedAt()).isNotNull();
            assertThat(r.endedAt()).isNotNull();
            assertThat(r.counts()).isEqualTo(new DrainReport.Counts(2, 1, 1, 0, 0, 0, 0));
            assertThat(r.memoryMovedBytes()).isEqualTo(1L << 30);

            DrainReport.Vm flaky = vmOf(r, "flaky");
            assertThat(flaky.outcome()).isEqualTo("migrated");
            assertThat(flaky.attempts()).isEqualTo(2);
            assertThat(flaky.sourceNode()).isEqualTo("node-1");
            assertThat(flaky.targetNode()).isIn("node-2", "node-3").isEqualTo(h.nodeOf(NS, "flaky"));
            // the failed attempt's migration was deleted once recovery decided: its alert tells the failure
            assertThat(flaky.migrations()).extracting(DrainReport.Migration::phase, DrainReport.Migration::attempt)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("Succeeded", 2));
            assertThat(flaky.durationSeconds()).isNotNull().isNotNegative();
            assertThat(flaky.memoryBytes()).isEqualTo(1L << 30);
            assertThat(flaky.fallback()).isNull();
            assertThat(flaky.alerts()).extracting(AlertNotes.Note::reason, AlertNotes.Note::action)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("MigrationFailed", "retry"));
            assertThat(flaky.alerts().get(0).detail()).contains("injected: target pod crashed");

            DrainReport.Vm stopped = vmOf(r, "stop-me");
            assertThat(stopped.outcome()).isEqualTo("shutdown-restart");
            assertThat(stopped.attempts()).isEqualTo(3);
            assertThat(stopped.targetNode()).isNull();
            assertThat(stopped.fallback()).isEqualTo("shutdown-restart");
            assertThat(stopped.fallbackReason()).startsWith("MigrationFailed").contains("injected: never converges");
            assertThat(stopped.migrations()).isEmpty();
            assertThat(stopped.alerts()).extracting(AlertNotes.Note::action).containsExactly("retry", "retry", "shutdown-restart");

            String text = cm.getData().get(Names.REPORT_TEXT);
            assertThat(text).contains("drain:    " + drainId + " (Completed)")
                    .contains("default/flaky: migrated, node-1 -> " + flaky.targetNode() + ", 2 attempt(s)")
                    .contains("default/stop-me: shutdown-restart")
                    .contains("fallback: shutdown-restart (MigrationFailed");

            // one summary Event on the node, naming the ConfigMap
            await().atMost(Harness.PATIENCE).until(() -> !reportEvents(h, "node-1").isEmpty());
            assertThat(reportEvents(h, "node-1")).singleElement().satisfies(e -> assertThat(e.getMessage())
                    .contains("drain " + drainId + " Completed: 2 VM(s): 1 migrated, 1 fell back")
                    .contains("ConfigMap drainpilot/" + name));
            // the report read the drain's migrations before they were cleared away
            await().atMost(Harness.PATIENCE).until(() -> h.migrations().stream().noneMatch(m ->
                    drainId.equals(m.getMetadata().getLabels() == null ? null
                            : m.getMetadata().getLabels().get(Bookkeeping.MIGRATION_DRAIN))));
            // the status JSON lists it
            String json = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://localhost:"
                    + Harness.port(rt) + "/drainpilot/status")).build(), HttpResponse.BodyHandlers.ofString()).body();
            JsonNode status = new ObjectMapper().readTree(json);
            JsonNode reports = status.path("reports");
            // the ended drain in the history names its report
            assertThat(status.path("history").findValues("reportConfigMap")).extracting(JsonNode::asText)
                    .containsExactly(name);
            assertThat(reports.size()).isEqualTo(1);
            assertThat(reports.get(0).path("configMap").asText()).isEqualTo(name);
            assertThat(reports.get(0).path("outcome").asText()).isEqualTo("Completed");
            assertThat(reports.get(0).path("drainId").asText()).isEqualTo(drainId);
            // later evaluations of the Completed node write nothing more
            h.awaitScans(3);
            assertThat(reports(h)).hasSize(1);
            assertThat(reportEvents(h, "node-1")).hasSize(1);
            // what the report cost: one read, one create (and one list for the retention, which this test's own
            // lists make impossible to count apart)
            Map<String, Long> counts = h.cluster.record().requestCounts();
            assertThat(counts.getOrDefault("GET configmaps", 0L)).isEqualTo(1);
            assertThat(counts.getOrDefault("POST configmaps", 0L)).isEqualTo(1);
            assertThat(counts.getOrDefault("PUT configmaps", 0L)).isZero();
            assertThat(counts.getOrDefault("DELETE configmaps", 0L)).isZero();
        }
    }

    @Test
    void aReportWrittenByANewLeaderAfterAFailoverIsComplete() {
        Scenario s = threeSkylakes().vm(vm("flaky")).vm(vm("other")).build();
        try (Harness h = new Harness(s)) {
            h.cluster.simulator().failNextMigrationOf(NS, "flaky", "injected: target pod crashed");
            var first = h.startDrainPilot(Map.of("drainpilot.recovery.backoff", "5s"));
            h.requestDrain("node-1");
            // the first process saw the failure and told it (noted on the node), then stops
            await().atMost(Harness.PATIENCE).until(() -> {
                String a = h.node("node-1").getMetadata().getAnnotations().get(Bookkeeping.ALERTS);
                return a != null && a.contains("MigrationFailed");
            });
            h.stop(first);
            h.startDrainPilot();
            h.awaitEvacuation("node-1", Names.COMPLETED);
            await().atMost(Harness.PATIENCE).until(() -> reports(h).size() == 1);
            DrainReport r = DrainReport.parse(reports(h).get(0).getData().get(Names.REPORT_JSON));
            assertThat(r.signals()).containsExactly("annotation drainpilot.io/drain-requested");
            assertThat(r.counts().migrated()).isEqualTo(2);
            DrainReport.Vm flaky = vmOf(r, "flaky");
            assertThat(flaky.attempts()).isEqualTo(2);
            assertThat(flaky.alerts()).extracting(AlertNotes.Note::reason).containsExactly("MigrationFailed");
            assertThat(flaky.memoryBytes()).isEqualTo(1L << 30);
            DrainReport.Vm other = vmOf(r, "other");
            assertThat(other.outcome()).isEqualTo("migrated");
            assertThat(other.targetNode()).isEqualTo(h.nodeOf(NS, "other"));
            assertThat(r.memoryMovedBytes()).isEqualTo(2L << 30);
        }
    }

    @Test
    void aNewLeaderWritesAReportThatIsMissingAndLeavesOneThatIsThere() {
        try (Harness h = new Harness(threeSkylakes().vm(vm("a")).build())) {
            var first = h.startDrainPilot();
            h.requestDrain("node-1");
            h.awaitEvacuation("node-1", Names.COMPLETED);
            await().atMost(Harness.PATIENCE).until(() -> reports(h).size() == 1 && reportEvents(h, "node-1").size() == 1);
            String json = reports(h).get(0).getData().get(Names.REPORT_JSON);
            h.stop(first);
            // a new leader finds the report there: nothing is written, no second Event
            var second = h.startDrainPilot();
            h.awaitScans(3);
            assertThat(reports(h)).singleElement().satisfies(c -> assertThat(c.getData().get(Names.REPORT_JSON)).isEqualTo(json));
            assertThat(reportEvents(h, "node-1")).hasSize(1);
            assertThat(h.cluster.record().requestCounts().getOrDefault("POST configmaps", 0L)).isEqualTo(1);
            assertThat(h.cluster.record().requestCounts().getOrDefault("PUT configmaps", 0L)).isZero();
            h.stop(second);
            // a leader that stopped between the release and the report: the next one writes it
            h.kube.configMaps().inNamespace(OWN).withLabel(Names.REPORT, "true").delete();
            await().atMost(Harness.PATIENCE).until(() -> reports(h).isEmpty());
            h.startDrainPilot();
            await().atMost(Harness.PATIENCE).until(() -> reports(h).size() == 1);
            DrainReport again = DrainReport.parse(reports(h).get(0).getData().get(Names.REPORT_JSON));
            assertThat(again.end()).isEqualTo("Completed");
            assertThat(vmOf(again, "a").outcome()).isEqualTo("migrated");
            await().atMost(Harness.PATIENCE).until(() -> reportEvents(h, "node-1").size() == 2);
        }
    }

    @Test
    void aNodeDeletedDuringItsDrainGetsAReportFromItsMigrations() {
        Scenario s = threeSkylakes().vm(vm("moves")).vm(vm("stuck")).build();
        try (Harness h = new Harness(s)) {
            h.cluster.simulator().stallMigrationsOf(NS, "stuck");
            h.startDrainPilot();
            h.requestDrain("node-1");
            await().atMost(Harness.PATIENCE).until(() -> h.nodeOf(NS, "moves") != null
                    && !"node-1".equals(h.nodeOf(NS, "moves")) && h.migrations().stream()
                    .anyMatch(m -> m.vmiName().equals("stuck")));
            String drainId = drainIdOf(h);
            h.kube.nodes().withName("node-1").delete();
            await().atMost(Harness.PATIENCE).until(() -> reports(h).size() == 1);
            DrainReport r = DrainReport.parse(reports(h).get(0).getData().get(Names.REPORT_JSON));
            assertThat(r.end()).isEqualTo("NodeGone");
            assertThat(r.drainId()).isEqualTo(drainId);
            assertThat(vmOf(r, "moves").outcome()).isEqualTo("migrated");
            assertThat(vmOf(r, "stuck").outcome()).isEqualTo(DrainReport.UNFINISHED);
            await().atMost(Harness.PATIENCE).until(() -> !reportEvents(h, "node-1").isEmpty());
        }
    }

    @Test
    void onlyTheNewestReportsAreKeptAndACancelledOrWithdrawnDrainIsReportedToo() {
        Scenario s = threeSkylakes().vm(vm("a").notLiveMigratable("DisksNotLiveMigratable").label(Names.FALLBACK, "block"))
                .build();
        try (Harness h = new Harness(s)) {
            h.startDrainPilot(Map.of("drainpilot.report.retain", "2"));
            List<String> drains = new ArrayList<>();
            // 1: blocked, then cancelled
            h.requestDrain("node-1");
            h.awaitEvacuation("node-1", Names.BLOCKED);
            drains.add(drainIdOf(h));
            h.annotateNode("node-1", Names.CANCEL, "true");
            await().atMost(Harness.PATIENCE).until(() -> reports(h).size() == 1);
            DrainReport cancelled = DrainReport.parse(reports(h).get(0).getData().get(Names.REPORT_JSON));
            assertThat(cancelled.end()).isEqualTo("Cancelled");
            assertThat(vmOf(cancelled, "a").outcome()).isEqualTo("block");
            assertThat(vmOf(cancelled, "a").fallbackReason()).startsWith("NotMigratable");
            h.annotateNode("node-1", Names.DRAIN_REQUESTED, null);
            h.annotateNode("node-1", Names.CANCEL, null);
            await().atMost(Harness.PATIENCE).until(() -> h.evacuation("node-1") == null);
            // 2 and 3: blocked, then withdrawn
            for (int i = 2; i <= 3; i++) {
                h.requestDrain("node-1");
                String before = drains.get(drains.size() - 1);
                await().atMost(Harness.PATIENCE).until(() -> Names.BLOCKED.equals(h.evacuation("node-1"))
                        && !before.equals(drainIdOf(h)));
                drains.add(drainIdOf(h));
                h.annotateNode("node-1", Names.DRAIN_REQUESTED, null);
                String id = drains.get(drains.size() - 1);
                await().atMost(Harness.PATIENCE).until(() -> reports(h).stream()
                        .anyMatch(c -> id.equals(c.getMetadata().getLabels().get(Names.REPORT_DRAIN_ID))));
            }
            await().atMost(Harness.PATIENCE).untilAsserted(() -> assertThat(reports(h))
                    .extracting(c -> c.getMetadata().getLabels().get(Names.REPORT_DRAIN_ID))
                    .containsExactlyInAnyOrder(drains.get(1), drains.get(2)));
            DrainReport withdrawn = DrainReport.parse(reports(h).stream()
                    .filter(c -> drains.get(2).equals(c.getMetadata().getLabels().get(Names.REPORT_DRAIN_ID)))
                    .findFirst().orElseThrow().getData().get(Names.REPORT_JSON));
            assertThat(withdrawn.end()).isEqualTo("Withdrawn");
            assertThat(reportEvents(h, "node-1")).hasSize(3);
        }
    }

    @Test
    void retainZeroWritesNoReport() {
        try (Harness h = new Harness(threeSkylakes().vm(vm("a")).build())) {
            h.startDrainPilot(Map.of("drainpilot.report.retain", "0"));
            h.requestDrain("node-1");
            h.awaitEvacuation("node-1", Names.COMPLETED);
            h.awaitScans(3);
            assertThat(reports(h)).isEmpty();
            assertThat(reportEvents(h, "node-1")).isEmpty();
        }
    }

    private static String drainIdOf(Harness h) {
        return h.node("node-1").getMetadata().getAnnotations().get(Bookkeeping.DRAIN_ID);
    }

    private static DrainReport.Vm vmOf(DrainReport r, String name) {
        return r.vms().stream().filter(v -> v.name().equals(name)).findFirst().orElseThrow();
    }
}
