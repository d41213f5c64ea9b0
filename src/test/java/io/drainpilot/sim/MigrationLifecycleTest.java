package io.drainpilot.sim;

import io.drainpilot.kubevirt.KubeVirtNames;
import io.drainpilot.kubevirt.MigrationPhase;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.kubevirt.VirtualMachineInstanceMigration;
import io.fabric8.kubernetes.api.model.Event;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static io.drainpilot.sim.SimTestSupport.awaitPhase;
import static io.drainpilot.sim.SimTestSupport.migrate;
import static io.drainpilot.sim.SimTestSupport.migration;
import static io.drainpilot.sim.SimTestSupport.vmi;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class MigrationLifecycleTest extends ClusterPerTest {

    @Test
    void validMigrationWalksEveryPhaseAndMovesTheVmi() {
        migrate(client, "default", "m1", "app-host-model");

        VirtualMachineInstanceMigration done = awaitPhase(client, "default", "m1", MigrationPhase.SUCCEEDED);

        List<String> phases = done.getStatus().phaseTransitionTimestamps.stream().map(t -> t.phase).toList();
        assertThat(phases).containsExactly("Pending", "Scheduling", "Scheduled", "PreparingTarget", "TargetReady",
                "Running", "Succeeded");
        assertThat(done.getStatus().phaseTransitionTimestamps)
                .allSatisfy(t -> assertThat(t.phaseTransitionTimestamp).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"));
        assertThat(cluster.record().phasesOf("default", "m1")).containsExactly(MigrationPhase.PENDING,
                MigrationPhase.SCHEDULING, MigrationPhase.SCHEDULED, MigrationPhase.PREPARING_TARGET,
                MigrationPhase.TARGET_READY, MigrationPhase.RUNNING, MigrationPhase.SUCCEEDED);

        VirtualMachineInstance moved = vmi(client, "default", "app-host-model");
        assertThat(moved.getStatus().nodeName).isEqualTo("node-2");
        assertThat(moved.label(KubeVirtNames.LABEL_NODE_NAME)).isEqualTo("node-2");
        assertThat(moved.getStatus().migrationState.sourceNode).isEqualTo("node-1");
        assertThat(moved.getStatus().migrationState.targetNode).isEqualTo("node-2");
        assertThat(moved.getStatus().migrationState.completed).isTrue();
        assertThat(moved.getStatus().migrationState.mode).isEqualTo("PreCopy");
        assertThat(Instant.parse(moved.getStatus().migrationState.endTimestamp))
                .isAfterOrEqualTo(Instant.parse(moved.getStatus().migrationState.startTimestamp));

        assertThat(cluster.record().outcomes()).singleElement().satisfies(o -> {
            assertThat(o.result()).isEqualTo(SimRecord.Result.SUCCEEDED);
            assertThat(o.source()).isEqualTo("node-1");
            assertThat(o.target()).isEqualTo("node-2");
            assertThat(o.duration()).isPositive();
        });
        await().atMost(SimTestSupport.WAIT).until(() -> client.v1().events().inNamespace("default").list().getItems()
                .stream().map(Event::getReason).toList().contains("SuccessfulMigration"));
    }

    @Test
    void deletingTheMigrationCancelsItAndTheVmiStaysOnItsSource() {
        cluster.simulator().stallMigrationsOf("default", "app-host-model");
        migrate(client, "default", "m1", "app-host-model");
        awaitPhase(client, "default", "m1", MigrationPhase.RUNNING);

        client.resource(migration(client, "default", "m1")).delete();

        await().atMost(SimTestSupport.WAIT).until(() -> "Succeeded".equals(
                vmi(client, "default", "app-host-model").getStatus().migrationState.abortStatus));
        assertThat(vmi(client, "default", "app-host-model").getStatus().nodeName).isEqualTo("node-1");
        assertThat(cluster.record().outcomes()).singleElement()
                .satisfies(o -> assertThat(o.result()).isEqualTo(SimRecord.Result.CANCELLED));
    }

    @Test
    void injectedFailureFailsOnlyTheNextMigration() {
        cluster.simulator().failNextMigrationOf("default", "app-host-model", "connection to target lost");
        migrate(client, "default", "m1", "app-host-model");

        VirtualMachineInstanceMigration failed = awaitPhase(client, "default", "m1", MigrationPhase.FAILED);

        assertThat(failed.getStatus().migrationState.failureReason).isEqualTo("connection to target lost");
        VirtualMachineInstance stayed = vmi(client, "default", "app-host-model");
        assertThat(stayed.getStatus().nodeName).isEqualTo("node-1");
        assertThat(stayed.getStatus().migrationState.failed).isTrue();
        assertThat(stayed.getStatus().migrationState.failureReason).isEqualTo("connection to target lost");

        migrate(client, "default", "m2", "app-host-model");
        awaitPhase(client, "default", "m2", MigrationPhase.SUCCEEDED);
        assertThat(vmi(client, "default", "app-host-model").getStatus().nodeName).isEqualTo("node-2");
    }

    @Test
    void failAllMigrationsFailsEveryAttempt() {
        cluster.simulator().failAllMigrationsOf("default", "app-host-model", "migration timed out");
        migrate(client, "default", "m1", "app-host-model");
        awaitPhase(client, "default", "m1", MigrationPhase.FAILED);
        migrate(client, "default", "m2", "app-host-model");
        awaitPhase(client, "default", "m2", MigrationPhase.FAILED);

        assertThat(cluster.record().outcomes()).extracting(SimRecord.MigrationOutcome::failureReason)
                .containsExactly("migration timed out", "migration timed out");

        cluster.simulator().clearFaultsOf("default", "app-host-model");
        migrate(client, "default", "m3", "app-host-model");
        awaitPhase(client, "default", "m3", MigrationPhase.SUCCEEDED);
    }

    @Test
    void deletingTheVmiDuringAMigrationFailsIt() {
        cluster.simulator().stallMigrationsOf("default", "app-host-model");
        migrate(client, "default", "m1", "app-host-model");
        awaitPhase(client, "default", "m1", MigrationPhase.RUNNING);

        client.resource(vmi(client, "default", "app-host-model")).delete();

        // KubeVirt's finalizer keeps the VMI while its guest shuts down; the migration fails at once
        VirtualMachineInstanceMigration failed = awaitPhase(client, "default", "m1", MigrationPhase.FAILED);
        assertThat(failed.getStatus().migrationState.failureReason).contains("is shutting down");
    }
}
