package io.drainpilot.flow;

import io.drainpilot.app.DrainPilotRuntime;
import io.drainpilot.kubevirt.MigrationPhase;
import io.drainpilot.kubevirt.VirtualMachineInstanceMigration;
import io.drainpilot.migrate.MigrationTracker;
import io.drainpilot.names.Names;
import io.drainpilot.sim.CpuProfile;
import io.drainpilot.sim.Scenario;
import io.drainpilot.sim.SimDispatcher;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.MockResponse;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * How drains end, through the real routes: a node deleted during its drain ends that drain cleanly, one migration
 * that cannot be handled never holds up the others, a withdrawn drain leaves nothing behind, and a VM arriving on
 * the node holds the release until it is moved off again.
 */
class DrainEndScenariosTest {
    private static final String NS = "default";

    private static Scenario.Builder threeNodes() {
        return Scenario.builder().kubeVirt("kubevirt", "v1.6.0")
                .node(Scenario.node("node-1", CpuProfile.SKYLAKE).memory("32Gi"))
                .node(Scenario.node("node-2", CpuProfile.SKYLAKE).memory("32Gi"))
                .node(Scenario.node("node-3", CpuProfile.SKYLAKE).memory("32Gi"));
    }

    private static List<VirtualMachineInstanceMigration> oursFrom(Harness h, String node) {
        return h.migrations().stream().filter(m -> m.getMetadata().getLabels() != null
                && node.equals(m.getMetadata().getLabels().get(Names.SOURCE_NODE))).toList();
    }

    @Test
    void aNodeDeletedDuringItsDrainEndsTheDrainCleanly() {
        try (Harness h = new Harness(threeNodes()
                .vm(Scenario.vm(NS, "moves").on("node-1").hostModel().memory("1Gi"))
                .vm(Scenario.vm(NS, "stuck").on("node-1").hostModel().memory("1Gi")).build());
                LogCapture log = new LogCapture("io.drainpilot.drain.NodeGone")) {
            h.cluster.simulator().stallMigrationsOf(NS, "stuck");
            DrainPilotRuntime rt = h.startDrainPilot();
            h.requestDrain("node-1");
            await().atMost(Harness.PATIENCE).until(() -> !"node-1".equals(h.nodeOf(NS, "moves")) && h.nodeOf(NS, "moves") != null);
            await().atMost(Harness.PATIENCE).until(() -> oursFrom(h, "node-1").stream()
                    .anyMatch(m -> m.vmiName().equals("stuck") && m.phase() == MigrationPhase.RUNNING));

            h.kube.nodes().withName("node-1").delete();

            // DrainPilot's migrations from the deleted node are settled or cancelled: none is left to poll forever
            await().atMost(Harness.PATIENCE).untilAsserted(() -> assertThat(oursFrom(h, "node-1"))
                    .as("DrainPilot's migrations from the deleted node").isEmpty());
            MigrationTracker tracker = rt.bean("migrationTracker", MigrationTracker.class);
            await().atMost(Harness.PATIENCE).until(() -> tracker.nodesWithOurMigrations().isEmpty());
            // told once: a summary in the log and an Event an operator finds
            await().atMost(Harness.PATIENCE).untilAsserted(() -> assertThat(log.messages())
                    .anySatisfy(m -> assertThat(m).contains("node-1", "deleted", "1 migrated", "stuck")));
            await().atMost(Harness.PATIENCE).untilAsserted(() -> assertThat(events(h, "DrainPilotNodeGone"))
                    .anySatisfy(e -> {
                        assertThat(e.getInvolvedObject().getKind()).isEqualTo("Node");
                        assertThat(e.getInvolvedObject().getName()).isEqualTo("node-1");
                        assertThat(e.getMessage()).contains("deleted");
                    }));
            h.awaitScans(5);
            assertThat(log.messages().stream().filter(m -> m.contains("deleted")).count()).as("said once").isEqualTo(1);
        }
    }

    /** Every PATCH of one VMI by DrainPilot fails with 503 once {@code on} is set (an API error that does not pass). */
    private static io.drainpilot.sim.RequestInterceptor failVmiPatches(String vmi) {
        return request -> {
            if (request.method() == HttpMethod.PATCH && request.getPath().contains("/virtualmachineinstances/" + vmi)
                    && "drainpilot".equals(request.getHeader("User-Agent"))) {
                return Optional.of(new MockResponse().setResponseCode(503).setHeader("Content-Type", "application/json")
                        .setBody("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"code\":503,"
                                + "\"reason\":\"ServiceUnavailable\",\"message\":\"injected\"}"));
            }
            return Optional.empty();
        };
    }

    @Test
    void aMigrationThatCannotBeCancelledDoesNotHoldUpTheOthers() {
        try (Harness h = new Harness(threeNodes()
                .vm(Scenario.vm(NS, "a").on("node-1").hostModel().memory("1Gi"))
                .vm(Scenario.vm(NS, "b").on("node-1").hostModel().memory("1Gi")).build());
                LogCapture alerts = new LogCapture("io.drainpilot.alert")) {
            h.cluster.simulator().stallMigrationsOf(NS, "a");
            h.cluster.simulator().stallMigrationsOf(NS, "b");
            h.startDrainPilot(Map.of("drainpilot.migration.deadline.running-base", "3s",
                    "drainpilot.migration.deadline.running-per-gib", "0s"), "drainpilot");
            h.requestDrain("node-1");
            await().atMost(Harness.PATIENCE).until(() -> oursFrom(h, "node-1").stream()
                    .filter(m -> m.phase() == MigrationPhase.RUNNING).count() == 2);
            // from now on DrainPilot cannot mark VM a (the hold it writes before cancelling a late migration)
            h.cluster.dispatcher().addInterceptor(failVmiPatches("a"));

            // b's late migration is still cancelled and handed to recovery, whatever happens to a's
            await().atMost(Harness.PATIENCE).untilAsserted(() -> assertThat(alerts.messages())
                    .anySatisfy(m -> assertThat(m).contains("default/b on node-1: MigrationTimedOut")));
        }
    }

    @Test
    void aDrainWithdrawnMidwayLeavesNoMigrationOfOursBehind() {
        try (Harness h = new Harness(threeNodes()
                .vm(Scenario.vm(NS, "moves").on("node-1").hostModel().memory("1Gi"))
                .vm(Scenario.vm(NS, "slow").on("node-1").hostModel().memory("1Gi")).build())) {
            h.cluster.simulator().stallMigrationsOf(NS, "slow");
            h.startDrainPilot();
            h.requestDrain("node-1");
            await().atMost(Harness.PATIENCE).until(() -> oursFrom(h, "node-1").stream()
                    .anyMatch(m -> m.vmiName().equals("moves") && m.phase() == MigrationPhase.SUCCEEDED));
            await().atMost(Harness.PATIENCE).until(() -> oursFrom(h, "node-1").stream()
                    .anyMatch(m -> m.vmiName().equals("slow") && m.phase() == MigrationPhase.RUNNING));

            // the operator withdraws the drain; the migration under way runs to its end
            h.annotateNode("node-1", Names.DRAIN_REQUESTED, null);
            await().atMost(Harness.PATIENCE).until(() -> h.evacuation("node-1") == null);
            h.cluster.simulator().clearFaultsOf(NS, "slow");

            // once they have ended, DrainPilot's migrations of the withdrawn drain are cleared: nothing keeps the
            // await timer coming back to this node
            await().atMost(Harness.PATIENCE).untilAsserted(() -> assertThat(oursFrom(h, "node-1"))
                    .as("DrainPilot's migrations from a node no longer draining").isEmpty());
            assertThat(h.nodeOf(NS, "slow")).isNotEqualTo("node-1");
        }
    }

    @Test
    void aVmArrivingOnTheDrainingNodeHoldsTheReleaseAndIsMovedOffAgain() {
        try (Harness h = new Harness(threeNodes()
                .vm(Scenario.vm(NS, "leaves").on("node-1").hostModel().memory("1Gi"))
                .vm(Scenario.vm(NS, "arrives").on("node-2").hostModel().memory("1Gi")).build())) {
            // a person moves "arrives" to node-1 just before its drain is asked for
            h.cluster.simulator().stallMigrationsOf(NS, "arrives");
            VirtualMachineInstanceMigration byHand = new VirtualMachineInstanceMigration();
            byHand.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withNamespace(NS)
                    .withName("by-hand").build());
            byHand.setSpec(new VirtualMachineInstanceMigration.Spec());
            byHand.getSpec().vmiName = "arrives";
            byHand.getSpec().addedNodeSelector = Map.of(io.drainpilot.plan.TargetSteering.HOSTNAME_LABEL, "node-1");
            h.kube.resource(byHand).create();
            await().atMost(Harness.PATIENCE).until(() -> h.kube.resources(VirtualMachineInstanceMigration.class)
                    .inNamespace(NS).withName("by-hand").get().phase() == MigrationPhase.RUNNING);

            h.startDrainPilot();
            h.requestDrain("node-1");
            await().atMost(Harness.PATIENCE).until(() -> "node-2".equals(h.nodeOf(NS, "leaves"))
                    || "node-3".equals(h.nodeOf(NS, "leaves")));
            // node-1 is empty of its own VMs, but one is on its way there: no release
            await().during(Duration.ofSeconds(1)).atMost(Harness.PATIENCE)
                    .until(() -> !Names.COMPLETED.equals(h.evacuation("node-1")));

            h.cluster.simulator().clearFaultsOf(NS, "arrives");
            h.awaitEvacuation("node-1", Names.COMPLETED);
            assertThat(h.nodeOf(NS, "arrives")).as("the VM that arrived was moved off again").isNotEqualTo("node-1");
            assertThat(h.kube.resources(VirtualMachineInstanceMigration.class).inNamespace(NS).withName("by-hand").get()
                    .phase()).isEqualTo(MigrationPhase.SUCCEEDED);
        }
    }

    private static List<Event> events(Harness h, String reason) {
        return h.kube.v1().events().inAnyNamespace().list().getItems().stream()
                .filter(e -> reason.equals(e.getReason())).toList();
    }
}
