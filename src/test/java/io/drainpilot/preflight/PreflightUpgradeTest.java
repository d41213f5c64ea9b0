package io.drainpilot.preflight;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.drainpilot.config.Settings;
import io.drainpilot.plan.NarrowPlacements;
import io.drainpilot.sim.CpuProfile;
import io.drainpilot.sim.RancherRole;
import io.drainpilot.sim.Scenario;
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

/**
 * {@code --preflight --upgrade} against a simulated six-node cluster of three CPUs, Rancher-provisioned (three etcd
 * and control-plane nodes, three workers): the order is Rancher's, the VM that "most room" would send to the node
 * drained next three times moves once, a pinned VM is found, and the JSON carries it all. Read-only.
 */
class PreflightUpgradeTest {
    private static SimulatedCluster cluster;
    private static KubernetesClient client;

    private static Scenario.NodeSpec node(String name, CpuProfile cpu, String memory, String machine, RancherRole... roles) {
        return Scenario.node(name, cpu).memory(memory).machine(machine).roles(roles);
    }

    @BeforeAll
    static void cluster() {
        Scenario s = Scenario.builder().kubeVirt("kubevirt", "v1.6.0")
                // machine names order the workers differently from the node names
                .node(node("n1", CpuProfile.SKYLAKE, "32Gi", "m-1", RancherRole.ETCD, RancherRole.CONTROL_PLANE).initNode())
                .node(node("n2", CpuProfile.SKYLAKE, "32Gi", "m-2", RancherRole.ETCD, RancherRole.CONTROL_PLANE))
                .node(node("n3", CpuProfile.CASCADELAKE, "128Gi", "m-3", RancherRole.ETCD, RancherRole.CONTROL_PLANE))
                .node(node("n4", CpuProfile.CASCADELAKE, "96Gi", "w-a", RancherRole.WORKER))
                .node(node("n5", CpuProfile.SKYLAKE, "16Gi", "w-b", RancherRole.WORKER))
                .node(node("n6", CpuProfile.EPYC, "256Gi", "w-c", RancherRole.WORKER))
                .vm(Scenario.vm("default", "early").on("n1").hostModel().memory("2Gi"))
                .vm(Scenario.vm("default", "wanderer").on("n2").hostModel().memory("2Gi"))
                .vm(Scenario.vm("default", "pinned").on("n4").namedModel("Haswell-noTSX").memory("2Gi")
                        .nodeSelector("kubernetes.io/hostname", "n4"))
                .vm(Scenario.vm("default", "amd-only").on("n6").hostModel().memory("2Gi"))
                .build();
        cluster = SimulatedCluster.start(s, SimSettings.forTests());
        client = cluster.newClient();
    }

    @AfterAll
    static void stop() {
        client.close();
        cluster.close();
    }

    @Test
    void theWholeUpgradeIsPlannedInRanchersOrderAndEachVmMovesAsFewTimesAsItCan() throws Exception {
        long writes = writes();
        UpgradeReport report = Preflight.upgrade(client, Settings.defaults(), Optional.empty());
        assertThat(writes()).as("read-only").isEqualTo(writes);
        assertThat(report.plan().order()).containsExactly("n1", "n2", "n3", "n4", "n5", "n6");
        assertThat(report.plan().paths().get("default/wanderer")).containsExactly("n2", "n1");
        assertThat(report.roomOnly().paths().get("default/wanderer")).containsExactly("n2", "n3", "n4", "n3");
        assertThat(report.plan().paths().get("default/early")).containsExactly("n1", "n5", "n3");
        assertThat(report.stuck()).isEqualTo(2); // pinned at n4, amd-only at n6
        assertThat(report.stalePlacements()).singleElement().satisfies(f -> {
            assertThat(f.vm()).isEqualTo("default/pinned");
            assertThat(f.kind()).isEqualTo(NarrowPlacements.Kind.NODE_SELECTOR);
            assertThat(f.nodes()).containsExactly("n4");
        });

        ByteArrayOutputStream text = new ByteArrayOutputStream();
        report.print(new PrintStream(text, true, StandardCharsets.UTF_8));
        assertThat(text.toString(StandardCharsets.UTF_8))
                .contains("Upgrade plan: 6 nodes in this order (rancher): n1, n2, n3, n4, n5, n6")
                .contains("  move  default/wanderer: n2 -> n1")
                .contains("  default/wanderer: 1 move(s) n2 -> n1; by room alone 3 move(s) n2 -> n3 -> n4 -> n3")
                .contains("  STUCK default/amd-only: no compatible target:")
                .contains("  default/pinned: node-selector kubernetes.io/hostname=n4 -> n4");

        ByteArrayOutputStream json = new ByteArrayOutputStream();
        report.printJson(new PrintStream(json, true, StandardCharsets.UTF_8));
        JsonNode root = new ObjectMapper().readTree(json.toString(StandardCharsets.UTF_8));
        assertThat(root.path("orderSource").asText()).isEqualTo("rancher");
        assertThat(root.path("steps").get(1).path("moves").get(0).path("to").asText()).isEqualTo("n1");
        assertThat(root.path("steps").get(5).path("stuck").get(0).path("outcome").asText())
                .isEqualTo("NoCompatibleTarget");
        JsonNode totals = root.path("totals");
        // minimum: early 2 (first node), wanderer, pinned, amd-only 1 each
        assertThat(totals.path("migrationsMinimum").asInt()).isEqualTo(5);
        assertThat(totals.path("migrationsPlanned").asInt()).isEqualTo(3);
        assertThat(totals.path("migrationsRoomOnly").asInt()).isEqualTo(6);
        assertThat(totals.path("stuck").asInt()).isEqualTo(2);
        assertThat(root.path("movedMoreThanOnce").findValuesAsText("vm")).contains("default/wanderer");
        assertThat(root.path("stalePlacements").get(0).path("kind").asText()).isEqualTo("node-selector");
    }

    @Test
    void aGivenOrderPlansOnlyThoseNodes() throws Exception {
        UpgradeReport report = Preflight.upgrade(client, Settings.defaults(), Optional.of("n5,n2"));
        assertThat(report.plan().order()).containsExactly("n5", "n2");
        assertThat(report.plan().steps()).hasSize(2);
        // n1 is not upgraded in this plan: nothing there moves, and a VM that lands there stays
        assertThat(report.plan().paths()).containsOnlyKeys("default/wanderer");
        assertThat(report.plan().totals().minimum()).isEqualTo(1);
    }

    private static long writes() {
        return cluster.record().requestCounts().entrySet().stream()
                .filter(e -> !e.getKey().startsWith("GET") && !e.getKey().startsWith("LIST") && !e.getKey().startsWith("WATCH"))
                .mapToLong(java.util.Map.Entry::getValue).sum();
    }
}
