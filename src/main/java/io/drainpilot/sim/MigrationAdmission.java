package io.drainpilot.sim;

import com.fasterxml.jackson.databind.JsonNode;
import io.drainpilot.kubevirt.KubeVirtNames;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.kubevirt.VirtualMachineInstanceMigration;
import io.drainpilot.kubevirt.VirtualMachineInstanceStatus;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.crud.CrudDispatcher;
import io.fabric8.mockwebserver.http.MockResponse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * KubeVirt's {@code migration-create-validator.kubevirt.io} webhook. Reads the store through the CRUD dispatcher
 * directly: calling the server over HTTP from inside a request would deadlock it.
 */
final class MigrationAdmission {
    static final String WEBHOOK_PREFIX =
            "admission webhook \"migration-create-validator.kubevirt.io\" denied the request: ";

    private final CrudDispatcher store;

    MigrationAdmission(CrudDispatcher store) {
        this.store = store;
    }

    /** @return the webhook's denial message, or empty when KubeVirt would admit the migration */
    Optional<String> deny(String namespace, String vmiName) {
        if (vmiName == null || vmiName.isBlank()) {
            return Optional.of(WEBHOOK_PREFIX + "spec.vmiName is a required field");
        }
        MockResponse vmiResponse = store.handleGet(
                "/apis/kubevirt.io/v1/namespaces/" + namespace + "/virtualmachineinstances/" + vmiName);
        if (vmiResponse.code() != 200) {
            return Optional.of(WEBHOOK_PREFIX + "the VMI \"" + namespace + "/" + vmiName + "\" does not exist");
        }
        VirtualMachineInstance vmi = Serialization.unmarshal(vmiResponse.getBody().readUtf8(),
                VirtualMachineInstance.class);
        if ("Succeeded".equals(vmi.phase()) || "Failed".equals(vmi.phase())) {
            return Optional.of(WEBHOOK_PREFIX + "Cannot migrate VMI in finalized state.");
        }
        Optional<VirtualMachineInstanceStatus.Condition> notMigratable = notLiveMigratable(vmi);
        if (notMigratable.isPresent()) {
            VirtualMachineInstanceStatus.Condition c = notMigratable.get();
            return Optional.of(WEBHOOK_PREFIX + "Cannot migrate VMI, Reason: " + c.reason + ", Message: " + c.message);
        }
        return inFlight(namespace, vmiName).map(m -> WEBHOOK_PREFIX + "in-flight migration detected. Active migration job ("
                + m.getMetadata().getUid() + ") is currently already in progress for VMI " + vmiName + ".");
    }

    private static Optional<VirtualMachineInstanceStatus.Condition> notLiveMigratable(VirtualMachineInstance vmi) {
        if (vmi.getStatus() == null || vmi.getStatus().conditions == null) {
            return Optional.empty();
        }
        return vmi.getStatus().conditions.stream()
                .filter(c -> KubeVirtNames.CONDITION_LIVE_MIGRATABLE.equals(c.type) && "False".equals(c.status))
                .findFirst();
    }

    private Optional<VirtualMachineInstanceMigration> inFlight(String namespace, String vmiName) {
        MockResponse list = store.handleGet(
                "/apis/kubevirt.io/v1/namespaces/" + namespace + "/virtualmachineinstancemigrations");
        if (list.code() != 200) {
            return Optional.empty();
        }
        List<VirtualMachineInstanceMigration> items = new ArrayList<>();
        try {
            for (JsonNode item : Serialization.jsonMapper().readTree(list.getBody().readUtf8()).path("items")) {
                items.add(Serialization.jsonMapper().treeToValue(item, VirtualMachineInstanceMigration.class));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return items.stream()
                .filter(m -> vmiName.equals(m.vmiName()) && !m.phase().isFinal())
                .findFirst();
    }
}
