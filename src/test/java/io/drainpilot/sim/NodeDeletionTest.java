package io.drainpilot.sim;

import io.drainpilot.kubevirt.VirtualMachineInstance;
import org.junit.jupiter.api.Test;

import static io.drainpilot.sim.SimTestSupport.vmi;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A Node object deleted with VMIs on it: the pod GC removes the pods bound to it, virt-controller fails their VMIs,
 * and the VM controller starts a runStrategy Always VM again on a node that exists.
 */
class NodeDeletionTest extends ClusterPerTest {

    @Override
    protected Scenario scenario() {
        return Scenario.builder()
                .node(Scenario.node("node-1", CpuProfile.SKYLAKE).memory("16Gi"))
                .node(Scenario.node("node-2", CpuProfile.SKYLAKE).memory("16Gi"))
                .vm(Scenario.vm("default", "vm-a").on("node-1").namedModel("Haswell-noTSX"))
                .build();
    }

    @Test
    void theVmisOfADeletedNodeFailAndAlwaysVmsStartElsewhere() {
        String before = vmi(client, "default", "vm-a").getMetadata().getUid();
        client.nodes().withName("node-1").delete();

        await().atMost(SimTestSupport.WAIT).until(() -> client.pods().inAnyNamespace().list().getItems().stream()
                .noneMatch(p -> "node-1".equals(p.getSpec().getNodeName())));
        await().atMost(SimTestSupport.WAIT).untilAsserted(() -> {
            VirtualMachineInstance now = vmi(client, "default", "vm-a");
            assertThat(now).isNotNull();
            assertThat(now.getMetadata().getUid()).isNotEqualTo(before);
            assertThat(now.phase()).isEqualTo("Running");
            assertThat(now.nodeName()).contains("node-2");
        });
    }
}
