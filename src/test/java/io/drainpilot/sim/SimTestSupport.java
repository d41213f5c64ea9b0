package io.drainpilot.sim;

import io.drainpilot.kubevirt.MigrationPhase;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.kubevirt.VirtualMachineInstanceMigration;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.time.Duration;
import java.util.Map;

import static org.awaitility.Awaitility.await;

/** Small helpers the sim tests share: create a VMIM, read a VMI, wait for a phase. */
final class SimTestSupport {
    static final Duration WAIT = Duration.ofSeconds(10);

    private SimTestSupport() {
    }

    static VirtualMachineInstanceMigration migrate(KubernetesClient client, String namespace, String name, String vmi) {
        return migrate(client, namespace, name, vmi, null, Map.of());
    }

    static VirtualMachineInstanceMigration migrate(KubernetesClient client, String namespace, String name, String vmi,
                                                   Map<String, String> addedNodeSelector,
                                                   Map<String, String> annotations) {
        VirtualMachineInstanceMigration vmim = new VirtualMachineInstanceMigration();
        vmim.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName(name)
                .withAnnotations(annotations).build());
        VirtualMachineInstanceMigration.Spec spec = new VirtualMachineInstanceMigration.Spec();
        spec.vmiName = vmi;
        spec.addedNodeSelector = addedNodeSelector;
        vmim.setSpec(spec);
        return client.resource(vmim).create();
    }

    static VirtualMachineInstanceMigration migration(KubernetesClient client, String namespace, String name) {
        return client.resources(VirtualMachineInstanceMigration.class).inNamespace(namespace).withName(name).get();
    }

    static VirtualMachineInstance vmi(KubernetesClient client, String namespace, String name) {
        return client.resources(VirtualMachineInstance.class).inNamespace(namespace).withName(name).get();
    }

    static VirtualMachineInstanceMigration awaitPhase(KubernetesClient client, String namespace, String name,
                                                      MigrationPhase phase) {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(20))
                .until(() -> migration(client, namespace, name).phase() == phase);
        return migration(client, namespace, name);
    }
}
