package io.drainpilot.sim;

import io.drainpilot.kubevirt.KubeVirtNames;
import io.drainpilot.kubevirt.VirtualMachine;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.fabric8.kubernetes.client.http.HttpResponse;
import org.junit.jupiter.api.Test;

import static io.drainpilot.sim.SimTestSupport.vmi;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class VmRunStrategyTest extends ClusterPerTest {

    @Override
    protected Scenario scenario() {
        // EPYC has far more room but lacks the VM's CPU model: a restart must land on a Skylake node
        return Scenario.builder()
                .node(Scenario.node("node-1", CpuProfile.SKYLAKE).memory("16Gi"))
                .node(Scenario.node("node-2", CpuProfile.SKYLAKE).memory("8Gi"))
                .node(Scenario.node("node-3", CpuProfile.EPYC).memory("128Gi"))
                .vm(Scenario.vm("default", "named").on("node-2").namedModel("Haswell-noTSX").label("app", "db"))
                .vm(Scenario.vm("default", "rerun").on("node-1").namedModel("Haswell-noTSX")
                        .runStrategy(VirtualMachine.RERUN_ON_FAILURE))
                .vm(Scenario.vm("default", "manual").on("node-1").namedModel("Haswell-noTSX")
                        .runStrategy(VirtualMachine.MANUAL))
                // 300 s of grace, all of it taken: 3 s at the tests' time scale
                .vm(Scenario.vm("default", "slow").on("node-1").namedModel("Haswell-noTSX")
                        .runStrategy(VirtualMachine.RERUN_ON_FAILURE).terminationGrace(300).guestIgnoresShutdown())
                .build();
    }

    @Test
    void haltedRemovesTheVmiAndAlwaysStartsOneOnAnEligibleNode() {
        setRunStrategy(VirtualMachine.HALTED);
        await().atMost(SimTestSupport.WAIT).until(() -> vmi(client, "default", "named") == null);
        await().atMost(SimTestSupport.WAIT).until(() -> "Stopped".equals(vm().getStatus().printableStatus));

        setRunStrategy(VirtualMachine.ALWAYS);
        await().atMost(SimTestSupport.WAIT).until(() -> vmi(client, "default", "named") != null);

        VirtualMachineInstance started = vmi(client, "default", "named");
        assertThat(started.phase()).isEqualTo("Running");
        assertThat(started.getStatus().nodeName).isEqualTo("node-1");
        assertThat(started.label(KubeVirtNames.LABEL_NODE_NAME)).isEqualTo("node-1");
        assertThat(started.label("app")).isEqualTo("db");
        assertThat(started.getSpec().domain.cpu.model).isEqualTo("Haswell-noTSX");
        assertThat(started.getMetadata().getOwnerReferences()).singleElement()
                .satisfies(o -> assertThat(o.getUid()).isEqualTo(vm().getMetadata().getUid()));
    }

    @Test
    void stopAndStartSubresourcesFlipRunStrategy() throws Exception {
        assertThat(subresource("named", "stop").code()).isEqualTo(202);
        assertThat(vm().runStrategy()).isEqualTo(VirtualMachine.HALTED);
        await().atMost(SimTestSupport.WAIT).until(() -> vmi(client, "default", "named") == null);
        assertThat(subresource("named", "stop").code()).isEqualTo(409);

        assertThat(subresource("named", "start").code()).isEqualTo(202);
        assertThat(vm().runStrategy()).isEqualTo(VirtualMachine.ALWAYS);
        await().atMost(SimTestSupport.WAIT).until(() -> vmi(client, "default", "named") != null);

        assertThat(subresource("missing", "stop").code()).isEqualTo(404);
    }

    @Test
    void aStoppedVmiStaysWhileItsGuestShutsDownThenGoes() {
        setRunStrategy("slow", VirtualMachine.HALTED);
        await().atMost(SimTestSupport.WAIT).until(() -> vmi(client, "default", "slow").getMetadata().getDeletionTimestamp() != null);
        VirtualMachineInstance stopping = vmi(client, "default", "slow");
        assertThat(stopping.phase()).isEqualTo("Running");
        assertThat(stopping.getMetadata().getFinalizers()).containsExactly(VmController.FINALIZER);
        assertThat(vm("slow").getStatus().printableStatus).isEqualTo("Stopping");
        // the whole grace period (3 s scaled) passes before the guest is off
        await().atMost(SimTestSupport.WAIT).until(() -> vmi(client, "default", "slow") == null);
        assertThat(java.time.Duration.between(java.time.Instant.parse(stopping.getMetadata().getDeletionTimestamp()),
                java.time.Instant.now())).isGreaterThanOrEqualTo(java.time.Duration.ofMillis(2900));
    }

    @Test
    void rerunOnFailureStaysDownAfterACleanStopUntilStarted() throws Exception {
        String uid = vmi(client, "default", "rerun").getMetadata().getUid();
        assertThat(subresource("rerun", "stop").code()).isEqualTo(202);
        assertThat(vm("rerun").runStrategy()).isEqualTo(VirtualMachine.RERUN_ON_FAILURE);
        await().atMost(SimTestSupport.WAIT).until(() -> vmi(client, "default", "rerun") == null);
        await().atMost(SimTestSupport.WAIT).until(() -> vm("rerun").getStatus().stateChangeRequests == null);
        // stopped cleanly: no new VMI, however long we look
        await().during(java.time.Duration.ofMillis(500)).atMost(SimTestSupport.WAIT)
                .until(() -> vmi(client, "default", "rerun") == null);
        assertThat(subresource("rerun", "stop").code()).isEqualTo(409);

        assertThat(subresource("rerun", "start").code()).isEqualTo(202);
        await().atMost(SimTestSupport.WAIT).until(() -> vmi(client, "default", "rerun") != null);
        assertThat(vmi(client, "default", "rerun").getMetadata().getUid()).isNotEqualTo(uid);
        await().atMost(SimTestSupport.WAIT).until(() -> vm("rerun").getStatus().stateChangeRequests == null);
        assertThat(subresource("rerun", "start").code()).isEqualTo(409);
    }

    @Test
    void rerunOnFailureRestoredWhileTheOldVmiTerminatesNeverStarts() {
        setRunStrategy("slow", VirtualMachine.HALTED);
        await().atMost(SimTestSupport.WAIT).until(() -> VirtualMachine.HALTED.equals(vm("slow").getStatus().runStrategy));
        // put back while the guest is still shutting down: the controller syncs status.runStrategy and, once the
        // VMI is gone, sees nothing that asks for a start
        setRunStrategy("slow", VirtualMachine.RERUN_ON_FAILURE);
        await().atMost(SimTestSupport.WAIT).until(() -> vmi(client, "default", "slow") == null);
        await().during(java.time.Duration.ofMillis(500)).atMost(SimTestSupport.WAIT)
                .until(() -> vmi(client, "default", "slow") == null);
        assertThat(vm("slow").getStatus().runStrategy).isEqualTo(VirtualMachine.RERUN_ON_FAILURE);
    }

    @Test
    void rerunOnFailureRestoredOnceTheOldVmiIsGoneStarts() {
        setRunStrategy("rerun", VirtualMachine.HALTED);
        await().atMost(SimTestSupport.WAIT).until(() -> vmi(client, "default", "rerun") == null);
        setRunStrategy("rerun", VirtualMachine.RERUN_ON_FAILURE);
        await().atMost(SimTestSupport.WAIT).until(() -> vmi(client, "default", "rerun") != null);
    }

    @Test
    void manualStartsOnlyThroughTheStartSubresource() throws Exception {
        setRunStrategy("manual", VirtualMachine.HALTED);
        await().atMost(SimTestSupport.WAIT).until(() -> vmi(client, "default", "manual") == null);
        setRunStrategy("manual", VirtualMachine.MANUAL);
        await().during(java.time.Duration.ofMillis(500)).atMost(SimTestSupport.WAIT)
                .until(() -> vmi(client, "default", "manual") == null);
        assertThat(subresource("manual", "start").code()).isEqualTo(202);
        await().atMost(SimTestSupport.WAIT).until(() -> vmi(client, "default", "manual") != null);
        assertThat(subresource("named", "start").code()).as("Always takes no start request").isEqualTo(409);
    }

    private HttpResponse<String> subresource(String vm, String action) throws Exception {
        String url = cluster.masterUrl() + "apis/subresources.kubevirt.io/v1/namespaces/default/virtualmachines/"
                + vm + "/" + action;
        return client.getHttpClient()
                .sendAsync(client.getHttpClient().newHttpRequestBuilder().uri(url).put("application/json", "").build(),
                        String.class)
                .get();
    }

    private VirtualMachine vm() {
        return vm("named");
    }

    private VirtualMachine vm(String name) {
        return client.resources(VirtualMachine.class).inNamespace("default").withName(name).get();
    }

    private void setRunStrategy(String strategy) {
        setRunStrategy("named", strategy);
    }

    /** A read-modify-write retried on conflict: the simulated KubeVirt writes the VM's status meanwhile. */
    private void setRunStrategy(String name, String strategy) {
        for (int attempt = 1; ; attempt++) {
            try {
                client.resources(VirtualMachine.class).inNamespace("default").withName(name).edit(vm -> {
                    vm.getSpec().runStrategy = strategy;
                    return vm;
                });
                return;
            } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                if (e.getCode() != 409 || attempt == 10) {
                    throw e;
                }
            }
        }
    }
}
