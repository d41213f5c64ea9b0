package io.drainpilot.sim;

import io.drainpilot.kubevirt.MigrationPhase;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.junit.jupiter.api.Test;

import static io.drainpilot.sim.SimTestSupport.awaitPhase;
import static io.drainpilot.sim.SimTestSupport.migrate;
import static io.drainpilot.sim.SimTestSupport.migration;
import static io.drainpilot.sim.SimTestSupport.vmi;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AdmissionTest extends ClusterPerTest {

    @Test
    void refusesMigrationOfMissingVmi() {
        assertRefused("no-such-vm", "the VMI \"default/no-such-vm\" does not exist");
    }

    @Test
    void refusesMigrationOfFinalVmi() {
        VirtualMachineInstance vmi = vmi(client, "default", "cache-default-cpu");
        vmi.getStatus().phase = "Succeeded";
        client.resource(vmi).update();

        assertRefused("cache-default-cpu", "Cannot migrate VMI in finalized state.");
    }

    @Test
    void refusesMigrationOfVmiThatIsNotLiveMigratable() {
        assertRefused("legacy-local-disk", "Reason: DisksNotLiveMigratable");
    }

    @Test
    void refusesSecondMigrationWhileOneIsInFlightAndAcceptsItAfterwards() {
        migrate(client, "default", "first", "app-host-model");

        assertRefused("app-host-model", "in-flight migration detected");

        awaitPhase(client, "default", "first", MigrationPhase.SUCCEEDED);
        migrate(client, "default", "second", "app-host-model");
        assertThat(migration(client, "default", "second")).isNotNull();
    }

    private void assertRefused(String vmiName, String messagePart) {
        assertThatThrownBy(() -> migrate(client, "default", "refused-" + vmiName, vmiName))
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
                    assertThat(e.getCode()).isEqualTo(422);
                    assertThat(e.getStatus().getReason()).isEqualTo("Invalid");
                    assertThat(e.getStatus().getMessage())
                            .startsWith(MigrationAdmission.WEBHOOK_PREFIX).contains(messagePart);
                });
        assertThat(migration(client, "default", "refused-" + vmiName)).isNull();
        assertThat(cluster.record().refusals()).singleElement().satisfies(r -> {
            assertThat(r.vmiName()).isEqualTo(vmiName);
            assertThat(r.message()).contains(messagePart);
        });
    }
}
