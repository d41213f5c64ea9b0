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

    private HttpResponse<String> subresource(String vm, String action) throws Exception {
        String url = cluster.masterUrl() + "apis/subresources.kubevirt.io/v1/namespaces/default/virtualmachines/"
                + vm + "/" + action;
        return client.getHttpClient()
                .sendAsync(client.getHttpClient().newHttpRequestBuilder().uri(url).put("application/json", "").build(),
                        String.class)
                .get();
    }

    private VirtualMachine vm() {
        return client.resources(VirtualMachine.class).inNamespace("default").withName("named").get();
    }

    private void setRunStrategy(String strategy) {
        VirtualMachine vm = vm();
        vm.getSpec().runStrategy = strategy;
        client.resource(vm).update();
    }
}
