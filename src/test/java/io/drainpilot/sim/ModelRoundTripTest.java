package io.drainpilot.sim;

import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A read-modify-write through our model must keep every field the model does not name. */
class ModelRoundTripTest {
    private static final String VMI = """
            {
              "apiVersion": "kubevirt.io/v1", "kind": "VirtualMachineInstance",
              "metadata": {"name": "rt", "namespace": "default", "labels": {"kubevirt.io/nodeName": "node-1"}},
              "spec": {
                "domain": {
                  "cpu": {"model": "host-model", "cores": 2, "dedicatedCpuPlacement": false},
                  "devices": {"disks": [{"name": "rootdisk", "disk": {"bus": "virtio"}}]},
                  "firmware": {"bootloader": {"efi": {"secureBoot": false}}},
                  "memory": {"guest": "1Gi", "hugepages": {"pageSize": "2Mi"}}
                },
                "evictionStrategy": "LiveMigrate",
                "volumes": [{"name": "rootdisk", "persistentVolumeClaim": {"claimName": "rt-disk"}}],
                "terminationGracePeriodSeconds": 120
              },
              "status": {
                "phase": "Running", "nodeName": "node-1",
                "conditions": [{"type": "LiveMigratable", "status": "True", "probeDetail": "kept"}],
                "migrationState": {"sourceNode": "node-0", "targetNode": "node-1", "sourcePod": "virt-launcher-rt-abc"},
                "guestOSInfo": {"id": "sles", "version": "15.6"},
                "activePods": {"4f1c": "node-1"}
              }
            }
            """;

    @Test
    void unknownFieldsSurviveAReadModifyWriteThroughTheServer() {
        try (SimulatedCluster cluster = SimulatedCluster.start(Scenario.builder().build(), SimSettings.forTests());
             KubernetesClient client = cluster.newClient()) {
            client.genericKubernetesResources("kubevirt.io/v1", "VirtualMachineInstance").inNamespace("default")
                    .resource(Serialization.unmarshal(VMI, GenericKubernetesResource.class)).create();

            VirtualMachineInstance typed = client.resources(VirtualMachineInstance.class).inNamespace("default")
                    .withName("rt").get();
            assertThat(typed.getSpec().unknownFields()).containsKeys("volumes");
            typed.getMetadata().getLabels().put("touched", "yes");
            typed.getStatus().nodeName = "node-2";
            client.resource(typed).update();

            GenericKubernetesResource raw = client.genericKubernetesResources("kubevirt.io/v1", "VirtualMachineInstance")
                    .inNamespace("default").withName("rt").get();
            assertThat(raw.getMetadata().getLabels()).containsEntry("touched", "yes");
            assertThat((Object) raw.get("status", "nodeName")).isEqualTo("node-2");
            assertThat((Object) raw.get("spec", "domain", "cpu", "dedicatedCpuPlacement")).isEqualTo(false);
            assertThat((Object) raw.get("spec", "domain", "devices", "disks")).asList().hasSize(1);
            assertThat((Object) raw.get("spec", "domain", "firmware", "bootloader", "efi", "secureBoot")).isEqualTo(false);
            assertThat((Object) raw.get("spec", "domain", "memory", "hugepages", "pageSize")).isEqualTo("2Mi");
            assertThat((Object) raw.get("spec", "volumes")).isEqualTo(List.of(
                    Map.of("name", "rootdisk", "persistentVolumeClaim", Map.of("claimName", "rt-disk"))));
            assertThat((Object) raw.get("spec", "terminationGracePeriodSeconds")).isEqualTo(120);
            assertThat((Object) raw.get("status", "conditions", 0, "probeDetail")).isEqualTo("kept");
            assertThat((Object) raw.get("status", "migrationState", "sourcePod")).isEqualTo("virt-launcher-rt-abc");
            assertThat((Object) raw.get("status", "guestOSInfo", "version")).isEqualTo("15.6");
            assertThat((Object) raw.get("status", "activePods")).isEqualTo(Map.of("4f1c", "node-1"));
        }
    }
}
