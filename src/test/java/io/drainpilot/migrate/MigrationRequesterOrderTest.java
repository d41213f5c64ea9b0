package io.drainpilot.migrate;

import io.drainpilot.names.Names;
import io.drainpilot.config.Settings;
import io.drainpilot.drain.ScanContext;
import io.drainpilot.drain.VmWork;
import io.drainpilot.kubevirt.ClusterApi;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.kubevirt.VirtualMachineInstanceMigration;
import io.drainpilot.observe.DrainMetrics;
import io.drainpilot.plan.Decision;
import io.drainpilot.sim.CpuProfile;
import io.drainpilot.sim.Scenario;
import io.drainpilot.sim.SimSettings;
import io.drainpilot.sim.SimulatedCluster;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The plan's order decides who gets a freed slot: a slot that frees while one pass walks the plan must not go to a
 * VM further down the order than one that was just told to wait.
 */
class MigrationRequesterOrderTest {
    private static final String NS = "default";

    private SimulatedCluster cluster;
    private KubernetesClient kube;
    private ClusterApi api;
    private MigrationRequester requester;

    @BeforeEach
    void start() {
        cluster = SimulatedCluster.start(Scenario.builder().kubeVirt("kubevirt", "v1.6.0")
                .node(Scenario.node("node-1", CpuProfile.SKYLAKE).memory("32Gi"))
                .node(Scenario.node("node-2", CpuProfile.SKYLAKE).memory("32Gi"))
                .vm(Scenario.vm(NS, "first").on("node-1").hostModel().memory("1Gi"))
                .vm(Scenario.vm(NS, "second").on("node-1").hostModel().memory("2Gi"))
                .vm(Scenario.vm(NS, "busy").on("node-1").hostModel().memory("1Gi"))
                .build(), SimSettings.forTests());
        cluster.simulator().stop(); // the test moves the one running migration itself
        kube = cluster.newClient();
        api = new ClusterApi(kube, false);
        requester = new MigrationRequester(api, Settings.load(
                Map.of("drainpilot.migration.max-outbound-per-node", "1")::get), DrainMetrics.NONE);
    }

    @AfterEach
    void stop() {
        kube.close();
        cluster.close();
    }

    @Test
    void aSlotFreedDuringAPassDoesNotGoToAVmFurtherDownTheOrder() {
        VirtualMachineInstanceMigration running = startedElsewhere("busy");
        ScanContext pass = new ScanContext(api, kube.nodes().list().getItems(), Set.of("node-1"));

        assertThat(requester.request(work("first", pass))).startsWith("waiting: outbound cap 1");
        finish(running); // the slot frees between two VMs of the same pass
        assertThat(requester.request(work("second", pass))).startsWith("waiting: ");
        assertThat(cluster.record().migrationsCreated()).extracting(c -> c.vmiName()).containsExactly("busy");

        ScanContext next = new ScanContext(api, kube.nodes().list().getItems(), Set.of("node-1"));
        assertThat(requester.request(work("first", next))).startsWith("drainpilot-first-");
        assertThat(requester.request(work("second", next))).startsWith("waiting: outbound cap 1");
        assertThat(cluster.record().migrationsCreated()).extracting(c -> c.vmiName()).containsExactly("busy", "first");
    }

    /** A migration someone else started, running out of node-1: it takes the one outbound slot. */
    private VirtualMachineInstanceMigration startedElsewhere(String vmi) {
        VirtualMachineInstanceMigration m = new VirtualMachineInstanceMigration();
        m.setMetadata(new ObjectMetaBuilder().withNamespace(NS).withName("by-hand")
                .addToLabels(Names.SOURCE_NODE, "node-1").build());
        m.setSpec(new VirtualMachineInstanceMigration.Spec());
        m.getSpec().vmiName = vmi;
        VirtualMachineInstanceMigration created = kube.resource(m).create();
        return setPhase(created, "Running");
    }

    private void finish(VirtualMachineInstanceMigration m) {
        setPhase(kube.resource(m).get(), "Succeeded");
    }

    private VirtualMachineInstanceMigration setPhase(VirtualMachineInstanceMigration m, String phase) {
        m.setStatus(new VirtualMachineInstanceMigration.Status());
        m.getStatus().phase = phase;
        return kube.resource(m).updateStatus();
    }

    private VmWork work(String vmi, ScanContext ctx) {
        VirtualMachineInstance current = kube.resources(VirtualMachineInstance.class).inNamespace(NS).withName(vmi).get();
        return new VmWork("node-1", current, VmWork.State.PLANNED, new Decision.Migrate(List.of("node-2"), "host-model"),
                null, null, ctx);
    }
}
