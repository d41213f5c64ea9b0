package io.drainpilot.flow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.drainpilot.app.DrainPilotRuntime;
import io.drainpilot.names.Names;
import io.drainpilot.work.RecoveryAction;
import io.drainpilot.work.RecoveryDecision;
import org.apache.camel.builder.AdviceWith;
import io.drainpilot.kubevirt.VirtualMachine;
import io.drainpilot.sim.CpuProfile;
import io.drainpilot.sim.Scenario;
import io.drainpilot.sim.SimRecord;
import io.fabric8.kubernetes.api.model.Event;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Failed migrations through the dead-letter channel: retries, each fallback policy, alerts and webhooks. */
class RecoveryScenariosTest {
    private static final String NS = "default";

    /** Three identical nodes, so a retry can pick a different target; VMs on node-1. */
    private static Scenario threeSkylakes(Scenario.VmSpec... vms) {
        Scenario.Builder b = Scenario.builder().kubeVirt("kubevirt", "v1.6.0")
                .node(Scenario.node("node-1", CpuProfile.SKYLAKE).memory("32Gi"))
                .node(Scenario.node("node-2", CpuProfile.SKYLAKE).memory("32Gi"))
                .node(Scenario.node("node-3", CpuProfile.SKYLAKE).memory("32Gi"));
        for (Scenario.VmSpec vm : vms) {
            b.vm(vm);
        }
        return b.build();
    }

    private static Scenario.VmSpec vm(String name) {
        return Scenario.vm(NS, name).on("node-1").hostModel().memory("1Gi");
    }

    @Test
    void aMigrationThatFailsOnceIsRetriedOnAnotherTargetAndSucceeds() {
        try (Harness h = new Harness(threeSkylakes(vm("flaky")))) {
            h.cluster.simulator().failNextMigrationOf(NS, "flaky", "injected: target pod crashed");
            h.startDrainPilot();
            h.requestDrain("node-1");
            h.awaitEvacuation("node-1", Names.COMPLETED);
            List<SimRecord.MigrationOutcome> outcomes = outcomesOf(h, "flaky");
            assertThat(outcomes).extracting(SimRecord.MigrationOutcome::result)
                    .containsExactly(SimRecord.Result.FAILED, SimRecord.Result.SUCCEEDED);
            assertThat(outcomes.get(1).target()).isNotEqualTo(outcomes.get(0).target());
            assertThat(h.vmi(NS, "flaky").annotation(Names.ATTEMPTS)).isEqualTo("2");
            assertThat(eventsAbout(h, "flaky")).anyMatch(e -> e.getMessage().contains("injected: target pod crashed")
                    && e.getMessage().contains("retry"));
        }
    }

    @Test
    void aVmThatFailsEveryTimeGetsItsFallbackPolicyAfterTheLastAttempt() {
        Scenario s = threeSkylakes(vm("keeps-failing-block").label(Names.FALLBACK, "block"),
                vm("keeps-failing-release").label(Names.FALLBACK, "release"),
                vm("keeps-failing-stop").label(Names.FALLBACK, "shutdown-restart"));
        try (Harness h = new Harness(s)) {
            for (String v : List.of("keeps-failing-block", "keeps-failing-release", "keeps-failing-stop")) {
                h.cluster.simulator().failAllMigrationsOf(NS, v, "injected: never converges");
            }
            h.startDrainPilot();
            h.requestDrain("node-1");
            h.awaitEvacuation("node-1", Names.BLOCKED);
            await().atMost(Harness.PATIENCE).untilAsserted(() -> {
                assertThat(h.vmi(NS, "keeps-failing-block").annotation("drainpilot.io/settled")).isEqualTo("block");
                assertThat(h.vmi(NS, "keeps-failing-release").annotation("drainpilot.io/settled")).isEqualTo("release");
                assertThat(h.vm(NS, "keeps-failing-stop").runStrategy()).isEqualTo(VirtualMachine.HALTED);
            });
            for (String v : List.of("keeps-failing-block", "keeps-failing-release", "keeps-failing-stop")) {
                assertThat(outcomesOf(h, v)).hasSize(3).allMatch(o -> o.result() == SimRecord.Result.FAILED);
            }
            // the alerts follow the actions: Events are written by the alerts route after the fallback is applied
            await().atMost(Harness.PATIENCE).untilAsserted(() -> {
                assertThat(eventsAbout(h, "keeps-failing-block")).anyMatch(e -> e.getMessage().startsWith("[critical]"));
                assertThat(eventsAbout(h, "keeps-failing-stop")).anyMatch(e -> e.getMessage().contains("shutdown-restart"));
            });
            // blocked: the drain is held, so the stopped VM is not started again yet
            assertThat(h.vm(NS, "keeps-failing-stop").runStrategy()).isEqualTo(VirtualMachine.HALTED);
            assertThat(h.summary("node-1").failed()).isEqualTo(1);
            assertThat(h.summary("node-1").fellBack()).isEqualTo(2);
        }
    }

    @Test
    void aBlockedDrainGoesOnOnceAPersonChoosesAnotherFallback() {
        Scenario s = Scenario.builder().kubeVirt("kubevirt", "v1.6.0")
                .node(Scenario.node("node-1", CpuProfile.SKYLAKE).memory("32Gi"))
                .node(Scenario.node("node-2", CpuProfile.SKYLAKE).memory("32Gi"))
                .vm(vm("local-disk").notLiveMigratable("DisksNotLiveMigratable"))
                .build();
        try (Harness h = new Harness(s)) {
            h.startDrainPilot();
            h.requestDrain("node-1");
            h.awaitEvacuation("node-1", Names.BLOCKED);
            Harness.retryOnConflict(() -> h.kube.resources(VirtualMachine.class).inNamespace(NS).withName("local-disk").edit(v -> {
                v.getMetadata().getLabels().put(Names.FALLBACK, "release");
                return v;
            }));
            h.awaitEvacuation("node-1", Names.COMPLETED);
            assertThat(h.vmi(NS, "local-disk").annotation("drainpilot.io/settled")).isEqualTo("release");
            assertThat(eventsAbout(h, "local-disk")).extracting(Event::getReason)
                    .contains("DrainPilotBlock", "DrainPilotRelease");
        }
    }

    @Test
    void shutdownRestartStartsTheVmAgainOnlyAfterTheNodeIsReleasedAndOnAnotherNode() {
        try (Harness h = new Harness(threeSkylakes(vm("stop-me").label(Names.FALLBACK, "shutdown-restart"), vm("mover")))) {
            h.cluster.simulator().failAllMigrationsOf(NS, "stop-me", "injected: never converges");
            h.cluster.simulator().stallMigrationsOf(NS, "mover");
            h.kube.nodes().withName("node-1").edit(n -> {
                n.getSpec().setUnschedulable(true); // as a real drain does: nothing new lands here
                return n;
            });
            h.startDrainPilot();
            h.requestDrain("node-1");
            await().atMost(Harness.PATIENCE).until(() -> VirtualMachine.HALTED.equals(h.vm(NS, "stop-me").runStrategy())
                    && h.vmi(NS, "stop-me") == null);
            // "mover" still migrating: the node is not released, the stopped VM stays stopped
            assertThat(h.evacuation("node-1")).isEqualTo(Names.IN_PROGRESS);
            assertThat(h.vm(NS, "stop-me").runStrategy()).isEqualTo(VirtualMachine.HALTED);
            h.cluster.simulator().clearFaultsOf(NS, "mover");
            h.kube.resources(io.drainpilot.kubevirt.VirtualMachineInstanceMigration.class).inNamespace(NS).list().getItems()
                    .stream().filter(m -> m.vmiName().equals("mover") && !m.phase().isFinal())
                    .forEach(m -> h.kube.resource(m).delete()); // someone cancels the stalled one; DrainPilot retries
            h.awaitEvacuation("node-1", Names.COMPLETED);
            await().atMost(Harness.PATIENCE).until(() -> h.vmi(NS, "stop-me") != null
                    && "Running".equals(h.vmi(NS, "stop-me").phase()));
            assertThat(h.nodeOf(NS, "stop-me")).isNotEqualTo("node-1");
            assertThat(h.vm(NS, "stop-me").runStrategy()).isEqualTo(VirtualMachine.ALWAYS);
            // done once DrainPilot has seen the new VMI run
            await().atMost(Harness.PATIENCE).until(() -> h.vm(NS, "stop-me").getMetadata().getAnnotations() == null
                    || !h.vm(NS, "stop-me").getMetadata().getAnnotations().containsKey("drainpilot.io/stopped-for-node"));
            await().atMost(Harness.PATIENCE).until(() -> eventsAbout(h, "stop-me").stream()
                    .anyMatch(e -> e.getReason().equals("DrainPilotRestarted")));
        }
    }

    @Test
    void aVmWithNowhereToGoFallsBackAtOnceWithoutPointlessRetries() {
        Scenario s = Scenario.builder().kubeVirt("kubevirt", "v1.6.0")
                .node(Scenario.node("node-1", CpuProfile.SKYLAKE).memory("32Gi"))
                .node(Scenario.node("node-2", CpuProfile.EPYC).memory("32Gi"))
                .vm(vm("intel-only").label(Names.FALLBACK, "release"))
                .build();
        try (Harness h = new Harness(s)) {
            h.startDrainPilot();
            h.requestDrain("node-1");
            h.awaitEvacuation("node-1", Names.COMPLETED);
            assertThat(h.cluster.record().migrationsCreated()).isEmpty();
            assertThat(h.vmi(NS, "intel-only").annotation(Names.ATTEMPTS)).isNull();
            assertThat(h.vmi(NS, "intel-only").annotation("drainpilot.io/settled")).isEqualTo("release");
            assertThat(eventsAbout(h, "intel-only")).anyMatch(e -> e.getMessage().contains("NoCompatibleTarget")
                    && e.getMessage().contains("node-2: lacks cpu-model-migration.node.kubevirt.io/Skylake-Client-IBRS"));
            assertThat(h.summary("node-1").fellBack()).isEqualTo(1);
        }
    }

    @Test
    void aStuckMigrationIsCancelledAndTheRetrySucceeds() {
        try (Harness h = new Harness(threeSkylakes(vm("stuck-once")))) {
            h.cluster.simulator().stallMigrationsOf(NS, "stuck-once");
            h.startDrainPilot(Map.of("drainpilot.migration.deadline.running-base", "2s",
                    "drainpilot.migration.deadline.running-per-gib", "0s"));
            h.requestDrain("node-1");
            await().atMost(Harness.PATIENCE).until(() -> outcomesOf(h, "stuck-once").stream()
                    .anyMatch(o -> o.result() == SimRecord.Result.CANCELLED));
            h.cluster.simulator().clearFaultsOf(NS, "stuck-once");
            h.awaitEvacuation("node-1", Names.COMPLETED);
            assertThat(outcomesOf(h, "stuck-once")).extracting(SimRecord.MigrationOutcome::result)
                    .containsExactly(SimRecord.Result.CANCELLED, SimRecord.Result.SUCCEEDED);
            assertThat(eventsAbout(h, "stuck-once")).anyMatch(e -> e.getMessage().contains("MigrationTimedOut"));
        }
    }

    @Test
    void theWebhookReceivesEveryAlertAsJsonInBothFormats() throws IOException {
        for (String format : List.of("plain", "alertmanager")) {
            List<JsonNode> received = new CopyOnWriteArrayList<>();
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/hook", ex -> {
                received.add(new ObjectMapper().readTree(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
                ex.sendResponseHeaders(200, -1);
                ex.close();
            });
            server.start();
            try (Harness h = new Harness(threeSkylakes(vm("doomed").label(Names.FALLBACK, "release")))) {
                h.cluster.simulator().failAllMigrationsOf(NS, "doomed", "injected: never converges");
                h.startDrainPilot(Map.of("drainpilot.alert.webhook.url",
                        "http://127.0.0.1:" + server.getAddress().getPort() + "/hook",
                        "drainpilot.alert.webhook.format", format, "drainpilot.recovery.max-attempts", "1"));
                h.requestDrain("node-1");
                h.awaitEvacuation("node-1", Names.COMPLETED);
                await().atMost(Harness.PATIENCE).until(() -> !received.isEmpty());
                JsonNode alert = received.get(0);
                if (format.equals("plain")) {
                    assertThat(alert.get("severity").asText()).isEqualTo("warning");
                    assertThat(alert.get("node").asText()).isEqualTo("node-1");
                    assertThat(alert.get("vm").asText()).isEqualTo("doomed");
                    assertThat(alert.get("reason").asText()).isEqualTo("MigrationFailed");
                    assertThat(alert.get("action").asText()).isEqualTo("release");
                    assertThat(alert.get("attempts").asInt()).isEqualTo(1);
                } else {
                    assertThat(alert.isArray()).isTrue();
                    assertThat(alert.get(0).get("labels").get("alertname").asText()).isEqualTo("DrainPilotMigrationFailed");
                    assertThat(alert.get(0).get("labels").get("vm").asText()).isEqualTo("doomed");
                    assertThat(alert.get(0).get("annotations").get("summary").asText()).contains("release");
                    assertThat(alert.get(0).get("startsAt").asText()).isNotBlank();
                }
            } finally {
                server.stop(0);
            }
        }
    }

    @Test
    void aWebhookThatIsDownNeverHoldsUpTheDrain() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort(); // nothing listens here once closed
        }
        try (Harness h = new Harness(threeSkylakes(vm("doomed").label(Names.FALLBACK, "release"), vm("fine")))) {
            h.cluster.simulator().failAllMigrationsOf(NS, "doomed", "injected: never converges");
            h.startDrainPilot(Map.of("drainpilot.alert.webhook.url", "http://127.0.0.1:" + closedPort + "/hook",
                    "drainpilot.recovery.max-attempts", "1"));
            h.requestDrain("node-1");
            h.awaitEvacuation("node-1", Names.COMPLETED);
            assertThat(h.nodeOf(NS, "fine")).isNotEqualTo("node-1");
            // the record survives the webhook: an Event on the VMI
            assertThat(eventsAbout(h, "doomed")).anyMatch(e -> e.getMessage().contains("release"));
        }
    }

    /**
     * A person cancels the drain while the VM's last migration attempt is failing: the cancel lands after the await
     * stage saw the failure and before recovery acts on it (woven in right before the recovery decision). The
     * fallback must not run: a cancel never stops a VM.
     */
    @Test
    void aCancelArrivingWhileTheLastMigrationFailsNeverStopsTheVm() throws Exception {
        try (Harness h = new Harness(threeSkylakes(vm("stop-me").label(Names.FALLBACK, "shutdown-restart")))) {
            h.cluster.simulator().failAllMigrationsOf(NS, "stop-me", "injected: never converges");
            DrainPilotRuntime rt = h.startDrainPilot(Map.of("drainpilot.recovery.max-attempts", "1"));
            List<RecoveryDecision> decisions = cancelRightBeforeRecoveryDecides(h, rt, "node-1");
            h.requestDrain("node-1");
            await().atMost(Harness.PATIENCE).until(() -> !decisions.isEmpty());
            h.awaitEvacuation("node-1", Names.CANCELLED);
            assertThat(decisions.get(0).action()).isEqualTo(RecoveryAction.NONE);
            assertThat(decisions.get(0).why()).contains("the drain was cancelled");
            assertThat(h.vm(NS, "stop-me").runStrategy()).isNotEqualTo(VirtualMachine.HALTED);
            assertThat(h.nodeOf(NS, "stop-me")).isEqualTo("node-1");
            assertThat(h.vmi(NS, "stop-me").annotation("drainpilot.io/settled")).isNull();
            assertThat(eventsAbout(h, "stop-me")).noneMatch(e -> e.getReason().equals("DrainPilotShutdownRestart"));
        }
    }

    /** The same race with fallback block: the drain is not held, and the node never says Blocked once cancelled. */
    @Test
    void aCancelArrivingWhileTheLastMigrationFailsNeverBlocksTheNode() throws Exception {
        try (Harness h = new Harness(threeSkylakes(vm("hold-me").label(Names.FALLBACK, "block")))) {
            h.cluster.simulator().failAllMigrationsOf(NS, "hold-me", "injected: never converges");
            List<String> statesAfterCancel = new CopyOnWriteArrayList<>();
            try (var watch = h.kube.nodes().withName("node-1").watch(new io.fabric8.kubernetes.client.Watcher<>() {
                @Override
                public void eventReceived(Action action, io.fabric8.kubernetes.api.model.Node n) {
                    Map<String, String> a = n.getMetadata().getAnnotations();
                    if (a != null && "true".equals(a.get(Names.CANCEL))) {
                        statesAfterCancel.add(String.valueOf(a.get(Names.EVACUATION)));
                    }
                }

                @Override
                public void onClose(io.fabric8.kubernetes.client.WatcherException cause) {
                }
            })) {
                DrainPilotRuntime rt = h.startDrainPilot(Map.of("drainpilot.recovery.max-attempts", "1"));
                List<RecoveryDecision> decisions = cancelRightBeforeRecoveryDecides(h, rt, "node-1");
                h.requestDrain("node-1");
                await().atMost(Harness.PATIENCE).until(() -> !decisions.isEmpty());
                h.awaitEvacuation("node-1", Names.CANCELLED);
                await().atMost(Harness.PATIENCE).until(() -> statesAfterCancel.contains(Names.CANCELLED));
                assertThat(decisions.get(0).action()).isEqualTo(RecoveryAction.NONE);
                assertThat(statesAfterCancel).doesNotContain(Names.BLOCKED);
                assertThat(h.vmi(NS, "hold-me").annotation("drainpilot.io/settled")).isNull();
                assertThat(eventsAbout(h, "hold-me")).noneMatch(e -> e.getReason().equals("DrainPilotBlock"));
            }
        }
    }

    /**
     * Weaves into the running recovery route: the first case makes the test write the node's cancel annotation right
     * before the decision (as a person could at that instant); every decision taken is collected.
     */
    private static List<RecoveryDecision> cancelRightBeforeRecoveryDecides(Harness h, DrainPilotRuntime rt, String node)
            throws Exception {
        List<RecoveryDecision> decisions = new CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicBoolean cancelled = new java.util.concurrent.atomic.AtomicBoolean();
        AdviceWith.adviceWith(rt.context(), "recovery", a -> {
            a.weaveById("decide-recovery").before().process(e -> {
                if (cancelled.compareAndSet(false, true)) {
                    h.annotateNode(node, Names.CANCEL, "true");
                }
            });
            a.weaveById("recovery-alert-of").before().process(e -> decisions.add(e.getMessage().getBody(RecoveryDecision.class)));
        });
        return decisions;
    }

    private static List<SimRecord.MigrationOutcome> outcomesOf(Harness h, String vmi) {
        return h.cluster.record().outcomes().stream().filter(o -> o.vmiName().equals(vmi)).toList();
    }

    static List<Event> eventsAbout(Harness h, String name) {
        return h.kube.v1().events().inAnyNamespace().list().getItems().stream()
                .filter(e -> name.equals(e.getInvolvedObject().getName()))
                .filter(e -> e.getReason() != null && e.getReason().startsWith("DrainPilot")).toList();
    }
}
