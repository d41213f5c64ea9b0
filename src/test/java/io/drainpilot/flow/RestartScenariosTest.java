package io.drainpilot.flow;

import io.drainpilot.kubevirt.VirtualMachine;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.names.Names;
import io.drainpilot.sim.CpuProfile;
import io.drainpilot.sim.Scenario;
import io.fabric8.kubernetes.api.model.Event;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.drainpilot.flow.RecoveryScenariosTest.eventsAbout;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The shutdown-restart fallback under KubeVirt's runStrategy rules: a stopped VMI stays while its guest shuts down
 * (here the guest ignores the request and takes its whole grace period), RerunOnFailure does not start a VM that
 * stopped cleanly unless asked, Manual starts only through the start subresource.
 */
class RestartScenariosTest {
    private static final String NS = "default";

    private static Scenario.VmSpec stopMe(String runStrategy) {
        return Scenario.vm(NS, "stop-me").on("node-1").hostModel().memory("1Gi").runStrategy(runStrategy)
                .guestIgnoresShutdown().label(Names.FALLBACK, "shutdown-restart");
    }

    private static Scenario threeSkylakes(Scenario.VmSpec vm) {
        return Scenario.builder().kubeVirt("kubevirt", "v1.6.0")
                .node(Scenario.node("node-1", CpuProfile.SKYLAKE).memory("32Gi"))
                .node(Scenario.node("node-2", CpuProfile.SKYLAKE).memory("32Gi"))
                .node(Scenario.node("node-3", CpuProfile.SKYLAKE).memory("32Gi"))
                .vm(vm).build();
    }

    private static void cordon(Harness h, String node, boolean unschedulable) {
        Harness.retryOnConflict(() -> h.kube.nodes().withName(node).edit(n -> {
            n.getSpec().setUnschedulable(unschedulable); // as a real drain does: nothing new lands here
            return n;
        }));
    }

    @ParameterizedTest
    @ValueSource(strings = {VirtualMachine.ALWAYS, VirtualMachine.RERUN_ON_FAILURE, VirtualMachine.MANUAL})
    void aStoppedVmRunsAgainAfterTheReleaseWhateverItsRunStrategy(String runStrategy) {
        try (Harness h = new Harness(threeSkylakes(stopMe(runStrategy)))) {
            String oldUid = h.vmi(NS, "stop-me").getMetadata().getUid();
            h.cluster.simulator().failAllMigrationsOf(NS, "stop-me", "injected: never converges");
            cordon(h, "node-1", true);
            h.startDrainPilot();
            h.requestDrain("node-1");

            // the guest takes its whole grace period (180 s, 1.8 s scaled) to go: the node is released only after
            h.awaitEvacuation("node-1", Names.COMPLETED);
            VirtualMachineInstance atRelease = h.vmi(NS, "stop-me");
            assertThat(atRelease == null || !oldUid.equals(atRelease.getMetadata().getUid()))
                    .as("the stopped VMI is gone when the node is released").isTrue();

            await().atMost(Harness.PATIENCE).until(() -> {
                VirtualMachineInstance now = h.vmi(NS, "stop-me");
                return now != null && !oldUid.equals(now.getMetadata().getUid()) && "Running".equals(now.phase());
            });
            assertThat(h.nodeOf(NS, "stop-me")).isNotEqualTo("node-1");
            assertThat(h.vm(NS, "stop-me").runStrategy()).isEqualTo(runStrategy);
            await().atMost(Harness.PATIENCE).until(() -> eventsAbout(h, "stop-me").stream()
                    .anyMatch(e -> e.getReason().equals("DrainPilotRestarted")));
            await().atMost(Harness.PATIENCE).until(() -> bookkeeping(h).isEmpty());
            assertThat(eventsAbout(h, "stop-me")).extracting(Event::getReason).doesNotContain("DrainPilotRestartFailed");
        }
    }

    @Test
    void aVmThatCannotRunAgainIsAlertedAtCriticalSeverityAndStartsOnceItCan() {
        // only node-1 has what the VM asks for, and node-1 stays cordoned after its drain
        Scenario.VmSpec pinned = stopMe(VirtualMachine.RERUN_ON_FAILURE).nodeSelector("rack", "r1");
        Scenario scenario = Scenario.builder().kubeVirt("kubevirt", "v1.6.0")
                .node(Scenario.node("node-1", CpuProfile.SKYLAKE).memory("32Gi").label("rack", "r1"))
                .node(Scenario.node("node-2", CpuProfile.SKYLAKE).memory("32Gi"))
                .vm(pinned).build();
        try (Harness h = new Harness(scenario)) {
            cordon(h, "node-1", true);
            Map<String, String> settings = Harness.fastSettings();
            settings.put("drainpilot.restart.timeout", "3s");
            h.startDrainPilot(settings);
            h.requestDrain("node-1");
            h.awaitEvacuation("node-1", Names.COMPLETED);

            await().atMost(Harness.PATIENCE).until(() -> eventsAbout(h, "stop-me").stream()
                    .anyMatch(e -> e.getReason().equals("DrainPilotRestartFailed")));
            Event failed = eventsAbout(h, "stop-me").stream()
                    .filter(e -> e.getReason().equals("DrainPilotRestartFailed")).findFirst().orElseThrow();
            assertThat(failed.getType()).isEqualTo("Warning");
            assertThat(failed.getMessage()).contains("[critical]").contains("not running");
            assertThat(h.vmi(NS, "stop-me")).isNull();
            assertThat(bookkeeping(h)).containsKey("drainpilot.io/stopped-for-node");

            // a person makes room: DrainPilot still follows the VM and says when it runs
            cordon(h, "node-1", false);
            await().atMost(Harness.PATIENCE).until(() -> h.vmi(NS, "stop-me") != null
                    && "Running".equals(h.vmi(NS, "stop-me").phase()));
            await().atMost(Harness.PATIENCE).until(() -> eventsAbout(h, "stop-me").stream()
                    .anyMatch(e -> e.getReason().equals("DrainPilotRestarted")));
            await().atMost(Harness.PATIENCE).until(() -> bookkeeping(h).isEmpty());
            assertThat(eventsAbout(h, "stop-me")).filteredOn(e -> e.getReason().equals("DrainPilotRestartFailed"))
                    .as("the critical alert is sent once").hasSize(1);
        }
    }

    /** DrainPilot's marks on the VM ({@code drainpilot.io/} labels and annotations). */
    private static Map<String, String> bookkeeping(Harness h) {
        VirtualMachine vm = h.vm(NS, "stop-me");
        Map<String, String> out = new java.util.TreeMap<>();
        if (vm.getMetadata().getAnnotations() != null) {
            vm.getMetadata().getAnnotations().forEach((k, v) -> {
                if (k.startsWith(Names.PREFIX) && !k.equals(Names.FALLBACK)) {
                    out.put(k, v);
                }
            });
        }
        if (vm.getMetadata().getLabels() != null) {
            vm.getMetadata().getLabels().forEach((k, v) -> {
                if (k.startsWith(Names.PREFIX) && !k.equals(Names.FALLBACK)) {
                    out.put(k, v);
                }
            });
        }
        return out;
    }
}
