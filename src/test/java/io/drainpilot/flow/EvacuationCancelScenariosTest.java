package io.drainpilot.flow;

import io.drainpilot.kubevirt.MigrationPhase;
import io.drainpilot.kubevirt.VirtualMachineInstanceMigration;
import io.drainpilot.names.Names;
import io.drainpilot.sim.CpuProfile;
import io.drainpilot.sim.Scenario;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A cancelled drain on KubeVirt 1.7+ also stops KubeVirt's own evacuation of the node (evacuate/cancel); on older
 * KubeVirt nothing is asked and KubeVirt goes on.
 */
class EvacuationCancelScenariosTest {
    private static final String NS = "default";
    private static final String CANCEL_REQUESTS = "PUT virtualmachineinstances/evacuate";

    private static Scenario scenario(String version) {
        return Scenario.builder().kubeVirt("kubevirt", version).kubeVirtEvacuation(true)
                .node(Scenario.node("node-1", CpuProfile.SKYLAKE).memory("32Gi"))
                .node(Scenario.node("node-2", CpuProfile.SKYLAKE).memory("32Gi"))
                .vm(Scenario.vm(NS, "a").on("node-1").hostModel().memory("1Gi"))
                .build();
    }

    /** An eviction (kubectl drain) has marked "a" and KubeVirt's evacuation migration runs; DrainPilot drains and is cancelled. */
    private static void evictedThenCancelled(Harness h) {
        h.cluster.simulator().stallMigrationsOf(NS, "a");
        Harness.retryOnConflict(() -> h.kube.resources(io.drainpilot.kubevirt.VirtualMachineInstance.class).inNamespace(NS)
                .withName("a").edit(v -> {
                    v.getStatus().evacuationNodeName = "node-1"; // what virt-api's eviction webhook writes
                    return v;
                }));
        await().atMost(Harness.PATIENCE).until(() -> evacuations(h).stream().anyMatch(m -> m.phase() == MigrationPhase.RUNNING));
        h.startDrainPilot();
        h.requestDrain("node-1");
        h.awaitEvacuation("node-1", Names.IN_PROGRESS);
        h.annotateNode("node-1", Names.CANCEL, "true");
        h.awaitEvacuation("node-1", Names.CANCELLED);
    }

    private static List<VirtualMachineInstanceMigration> evacuations(Harness h) {
        return h.migrations().stream().filter(m -> m.getMetadata().getName().startsWith("kubevirt-evacuation-")).toList();
    }

    private static String mark(Harness h) {
        return h.vmi(NS, "a").getStatus().evacuationNodeName;
    }

    private static long cancelRequests(Harness h) {
        return h.cluster.record().requestCounts().getOrDefault(CANCEL_REQUESTS, 0L);
    }

    @Test
    void onKubeVirt17ACancelledDrainStopsKubeVirtsEvacuationToo() {
        try (Harness h = new Harness(scenario("v1.7.0"))) {
            evictedThenCancelled(h);
            await().atMost(Harness.PATIENCE).until(() -> mark(h) == null);
            assertThat(cancelRequests(h)).isEqualTo(1);
            // the migration already running is KubeVirt's: left to it (a person deletes it to stop it now)
            assertThat(evacuations(h)).hasSize(1);
            evacuations(h).forEach(m -> h.kube.resource(m).delete());
            await().during(Duration.ofMillis(800)).atMost(Harness.PATIENCE).until(() -> evacuations(h).isEmpty());
            assertThat(h.nodeOf(NS, "a")).isEqualTo("node-1");
            // the node stays cancelled: nothing more is asked
            h.awaitScans(3);
            assertThat(cancelRequests(h)).isEqualTo(1);
        }
    }

    @Test
    void onKubeVirt16NothingIsCalledAndKubeVirtGoesOn() {
        try (Harness h = new Harness(scenario("v1.6.0"))) {
            evictedThenCancelled(h);
            h.awaitScans(3);
            assertThat(cancelRequests(h)).isZero();
            assertThat(mark(h)).isEqualTo("node-1");
            evacuations(h).forEach(m -> h.kube.resource(m).delete());
            await().atMost(Harness.PATIENCE).until(() -> !evacuations(h).isEmpty());
        }
    }
}
