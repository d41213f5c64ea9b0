package io.drainpilot.sim;

import io.drainpilot.kubevirt.KubeVirtNames;
import io.drainpilot.kubevirt.MigrationPhase;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.kubevirt.VirtualMachineInstanceMigration;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.drainpilot.sim.SimTestSupport.WAIT;
import static io.drainpilot.sim.SimTestSupport.vmi;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * virt-api's {@code evacuate/cancel} subresource (KubeVirt 1.7+): it clears the VMI's eviction mark, so the evacuation
 * controller starts no more migrations for it, and leaves the migration already there alone; older releases have no
 * such route.
 */
class EvacuateCancelTest {

    private static Scenario scenario(String version) {
        return Scenario.builder().kubeVirt("kubevirt", version).kubeVirtEvacuation(true)
                .node(Scenario.node("node-1", CpuProfile.SKYLAKE).memory("32Gi"))
                .node(Scenario.node("node-2", CpuProfile.SKYLAKE).memory("32Gi"))
                .vm(Scenario.vm("default", "a").on("node-1").hostModel().memory("1Gi"))
                .vm(Scenario.vm("default", "b").on("node-1").hostModel().memory("1Gi"))
                .build();
    }

    /** PUT .../virtualmachineinstances/{name}/evacuate/cancel as virtctl sends it; the HTTP status. */
    static int cancel(KubernetesClient client, String resource, String name, String body) throws Exception {
        String url = client.getMasterUrl() + "apis/subresources.kubevirt.io/v1/namespaces/default/" + resource + "/"
                + name + "/evacuate/cancel";
        var http = client.getHttpClient();
        var request = http.newHttpRequestBuilder().uri(url).put("application/json", body == null ? "" : body).build();
        return http.sendAsync(request, String.class).get(10, TimeUnit.SECONDS).code();
    }

    private static void mark(KubernetesClient client, String vm) {
        new ClusterWriter(client).updateVmi("default", vm, v -> v.getStatus().evacuationNodeName = "node-1");
    }

    private static String markOf(KubernetesClient client, String vm) {
        VirtualMachineInstance v = vmi(client, "default", vm);
        return v.getStatus().evacuationNodeName;
    }

    private static List<VirtualMachineInstanceMigration> evacuationsOf(KubernetesClient client, String vm) {
        return client.resources(VirtualMachineInstanceMigration.class).inNamespace("default").list().getItems().stream()
                .filter(m -> vm.equals(m.vmiName())
                        && m.getMetadata().getName().startsWith(HarvesterNames.EVACUATION_MIGRATION_PREFIX)).toList();
    }

    @Test
    void onKubeVirt17ItClearsTheMarkLeavesTheRunningMigrationAndNoMoreAreCreated() throws Exception {
        try (SimulatedCluster cluster = SimulatedCluster.start(scenario("v1.7.0"), SimSettings.forTests());
             KubernetesClient client = cluster.newClient()) {
            cluster.simulator().stallMigrationsOf("default", "a");
            mark(client, "a");
            await().atMost(WAIT).until(() -> evacuationsOf(client, "a").stream()
                    .anyMatch(m -> m.phase() == MigrationPhase.RUNNING));
            // the body names the node the VMI is evacuated from; a wrong one fails the patch's test (500)
            assertThat(cancel(client, "virtualmachineinstances", "a", "{\"evacuationNodeName\":\"node-2\"}")).isEqualTo(500);
            assertThat(markOf(client, "a")).isEqualTo("node-1");
            assertThat(cancel(client, "virtualmachineinstances", "a", null)).isEqualTo(400);
            assertThat(cancel(client, "virtualmachineinstances", "a", "{\"evacuationNodeName\":\"node-1\"}")).isEqualTo(200);
            assertThat(markOf(client, "a")).isNull();
            // the migration already running is KubeVirt's: not deleted by the cancel
            assertThat(evacuationsOf(client, "a")).hasSize(1);
            // once it is gone, the controller starts no new one for the unmarked VMI
            evacuationsOf(client, "a").forEach(m -> client.resource(m).delete());
            await().during(Duration.ofMillis(500)).atMost(WAIT).until(() -> evacuationsOf(client, "a").isEmpty());
            assertThat(vmi(client, "default", "a").nodeName()).contains("node-1");
            // not marked: nothing to do, 200; the VM form answers for its VMI; an unknown VMI 404
            assertThat(cancel(client, "virtualmachineinstances", "a", "{\"evacuationNodeName\":\"node-1\"}")).isEqualTo(200);
            mark(client, "b");
            cluster.simulator().stallMigrationsOf("default", "b");
            assertThat(cancel(client, "virtualmachines", "b", "{\"evacuationNodeName\":\"node-1\"}")).isEqualTo(200);
            assertThat(markOf(client, "b")).isNull();
            assertThat(cancel(client, "virtualmachineinstances", "nope", "{\"evacuationNodeName\":\"node-1\"}")).isEqualTo(404);
        }
    }

    @Test
    void aNodeWithTheDrainTaintRefusesTheCancel() throws Exception {
        try (SimulatedCluster cluster = SimulatedCluster.start(scenario("v1.7.0"), SimSettings.forTests());
             KubernetesClient client = cluster.newClient()) {
            cluster.simulator().stallMigrationsOf("default", "a");
            cluster.simulator().stallMigrationsOf("default", "b");
            mark(client, "a");
            client.nodes().withName("node-1").edit(n -> {
                List<io.fabric8.kubernetes.api.model.Taint> taints = new ArrayList<>(n.getSpec().getTaints());
                taints.add(new TaintBuilder().withKey(KubeVirtNames.TAINT_DRAIN).withValue("draining")
                        .withEffect("NoSchedule").build());
                n.getSpec().setTaints(taints);
                return n;
            });
            assertThat(cancel(client, "virtualmachineinstances", "a", "{\"evacuationNodeName\":\"node-1\"}")).isEqualTo(400);
            assertThat(markOf(client, "a")).isEqualTo("node-1");
        }
    }

    @Test
    void beforeKubeVirt17ThereIsNoSuchRoute() throws Exception {
        try (SimulatedCluster cluster = SimulatedCluster.start(scenario("v1.6.0"), SimSettings.forTests());
             KubernetesClient client = cluster.newClient()) {
            cluster.simulator().stallMigrationsOf("default", "a");
            mark(client, "a");
            assertThat(cancel(client, "virtualmachineinstances", "a", "{\"evacuationNodeName\":\"node-1\"}")).isEqualTo(404);
            assertThat(markOf(client, "a")).isEqualTo("node-1");
        }
    }
}
