package io.drainpilot.sim;

import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.kubevirt.VirtualMachineInstanceMigration;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * The simulator's writes: read fresh, change, write back, retrying when another writer (DrainPilot) got in
 * between, as controllers do on a 409 Conflict.
 */
final class ClusterWriter {
    private static final int ATTEMPTS = 3;

    private final KubernetesClient client;

    ClusterWriter(KubernetesClient client) {
        this.client = client;
    }

    /** Changes a VMI (spec, labels or status: VMIs have no status subresource). Empty when it is gone. */
    Optional<VirtualMachineInstance> updateVmi(String namespace, String name, Consumer<VirtualMachineInstance> change) {
        for (int attempt = 1; ; attempt++) {
            VirtualMachineInstance vmi = client.resources(VirtualMachineInstance.class).inNamespace(namespace)
                    .withName(name).get();
            if (vmi == null) {
                return Optional.empty();
            }
            change.accept(vmi);
            try {
                // empty too when the change took the last finalizer off a deleted VMI: the API server removed it
                return Optional.ofNullable(client.resource(vmi).update());
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt == ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    /** Changes a VMIM's status through the status subresource. Empty when it is gone. */
    Optional<VirtualMachineInstanceMigration> updateMigrationStatus(
            String namespace, String name, Consumer<VirtualMachineInstanceMigration.Status> change) {
        for (int attempt = 1; ; attempt++) {
            VirtualMachineInstanceMigration vmim = client.resources(VirtualMachineInstanceMigration.class)
                    .inNamespace(namespace).withName(name).get();
            if (vmim == null) {
                return Optional.empty();
            }
            if (vmim.getStatus() == null) {
                vmim.setStatus(new VirtualMachineInstanceMigration.Status());
            }
            change.accept(vmim.getStatus());
            try {
                return Optional.of(client.resource(vmim).updateStatus());
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt == ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    /** A core/v1 Event on {@code subject}, as virt-controller records them. */
    void event(HasMetadata subject, String type, String reason, String message) {
        String now = Timestamps.now();
        client.v1().events().inNamespace(subject.getMetadata().getNamespace()).resource(new EventBuilder()
                .withNewMetadata().withNamespace(subject.getMetadata().getNamespace())
                .withName(subject.getMetadata().getName() + "." + UUID.randomUUID().toString().substring(0, 8))
                .endMetadata()
                .withNewInvolvedObject().withApiVersion(subject.getApiVersion()).withKind(subject.getKind())
                .withNamespace(subject.getMetadata().getNamespace()).withName(subject.getMetadata().getName())
                .withUid(subject.getMetadata().getUid()).endInvolvedObject()
                .withType(type).withReason(reason).withMessage(message)
                .withNewSource().withComponent("virtualmachine-controller").endSource()
                .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
                .build()).create();
    }
}
