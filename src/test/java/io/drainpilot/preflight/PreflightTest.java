package io.drainpilot.preflight;

import io.drainpilot.config.Settings;
import io.drainpilot.kubevirt.ClusterApi;
import io.drainpilot.sim.CpuProfile;
import io.drainpilot.sim.Scenario;
import io.drainpilot.sim.Scenarios;
import io.drainpilot.sim.SimSettings;
import io.drainpilot.sim.SimulatedCluster;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PreflightTest {
    private static SimulatedCluster cluster;
    private static KubernetesClient client;

    @BeforeAll
    static void cluster() {
        cluster = SimulatedCluster.start(Scenarios.harvesterDemo(), SimSettings.forTests());
        client = cluster.newClient();
    }

    @AfterAll
    static void stop() {
        client.close();
        cluster.close();
    }

    private String report(Optional<String> node, int expectedExit) throws InterruptedException {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        long writesBefore = writes();
        int exit = Preflight.report(client, Settings.defaults(), node,
                new PrintStream(buffer, true, StandardCharsets.UTF_8));
        String out = buffer.toString(StandardCharsets.UTF_8);
        assertThat(exit).as(out).isEqualTo(expectedExit);
        assertThat(writes()).as("preflight is read-only").isEqualTo(writesBefore);
        return out;
    }

    @Test
    void aNodeWithStuckVmsExitsThreeAndSaysWhy() throws InterruptedException {
        String out = report(Optional.of("node-1"), Preflight.SOME_CANNOT_MOVE);
        assertThat(out)
                .contains("If node-1 drained now (6 VMs):")
                .contains("ok    default/web-passthrough: migrate (cpu host-passthrough) to node-2")
                .contains("STUCK default/legacy-local-disk: not migratable: LiveMigratable=False: DisksNotLiveMigratable")
                .contains("STUCK default/nvme-cache: no compatible target: node-2: does not match nodeSelector disktype=nvme")
                .contains("2 VM(s) could not move.");
    }

    @Test
    void aNodeWhoseVmsCanAllMoveExitsZero() throws InterruptedException {
        String out = report(Optional.of("node-2"), Preflight.ALL_CAN_MOVE);
        assertThat(out).contains("If node-2 drained now (0 VMs):").contains("Every VM could move.");
    }

    @Test
    void everyNodeAndTheCommonCpuModelAreReported() throws InterruptedException {
        String out = report(Optional.empty(), Preflight.SOME_CANNOT_MOVE);
        assertThat(out).contains("If node-1 drained now").contains("If node-2 drained now").contains("If node-3 drained now")
                .containsPattern("Common CPU model of all 3 schedulable nodes: \\S+");
    }

    @Test
    void aHostModelVmIsJudgedByTheCpuItKeptFromItsFirstMigration() throws InterruptedException {
        Scenario scenario = Scenario.builder()
                .node(Scenario.node("sky-1", CpuProfile.SKYLAKE))
                .node(Scenario.node("cascade-1", CpuProfile.CASCADELAKE))
                .vm(Scenario.vm("default", "hm").on("cascade-1").migratedFrom("sky-1").hostModel())
                .build();
        try (SimulatedCluster own = SimulatedCluster.start(scenario, SimSettings.forTests());
             KubernetesClient ownClient = own.newClient()) {
            ByteArrayOutputStream buffer = new ByteArrayOutputStream();
            int exit = Preflight.report(ownClient, Settings.defaults(), Optional.of("cascade-1"),
                    new PrintStream(buffer, true, StandardCharsets.UTF_8));
            String out = buffer.toString(StandardCharsets.UTF_8);
            assertThat(out).contains("ok    default/hm: migrate (cpu host-model) to sky-1");
            assertThat(exit).as(out).isEqualTo(Preflight.ALL_CAN_MOVE);
        }
    }

    @Test
    void anUnknownNodeIsNamed() {
        assertThatThrownBy(() -> Preflight.report(client, Settings.defaults(), Optional.of("node-9"),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)))
                .hasMessage("node node-9 not found");
    }

    private static long writes() {
        return cluster.record().requestCounts().entrySet().stream()
                .filter(e -> !e.getKey().startsWith("GET") && !e.getKey().startsWith("LIST") && !e.getKey().startsWith("WATCH")).mapToLong(java.util.Map.Entry::getValue).sum();
    }
}
