package io.drainpilot.faults;

import io.drainpilot.names.Names;
import io.drainpilot.sim.CpuProfile;
import io.drainpilot.sim.DelayedAnswer;
import io.drainpilot.sim.Scenario;
import io.drainpilot.sim.SimRecord;
import io.drainpilot.sim.StatusResponses;
import io.fabric8.mockwebserver.http.RecordedRequest;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The writes around a migration's create are safe to repeat: the create's answer lost (the migration exists, the
 * client timed out and asks again), or the create refused by an API error (nothing exists). Either way exactly one
 * migration per attempt, and the VM's attempt count is the number of migrations really created.
 */
class IdempotentWritesTest {

    private static Scenario oneVm() {
        return Scenario.builder().kubeVirt("kubevirt", "v1.6.0")
                .node(Scenario.node("node-1", CpuProfile.SKYLAKE).memory("32Gi"))
                .node(Scenario.node("node-2", CpuProfile.SKYLAKE).memory("32Gi"))
                .vm(Scenario.vm("default", "vm-a").on("node-1").hostModel().memory("1Gi"))
                .build();
    }

    private static boolean createsMigration(RecordedRequest r) {
        return "POST".equals(r.getMethod()) && r.getPath().contains("virtualmachineinstancemigrations")
                && "drainpilot".equals(r.getHeader("User-Agent"));
    }

    @Test
    void aCreateWhoseAnswerIsLostIsNotMadeTwice() {
        try (FaultHarness h = new FaultHarness(oneVm())) {
            // made at once, answered after the client has given up (its timeout is 500 ms)
            h.cluster.dispatcher().addInterceptor(new DelayedAnswer(h.cluster, IdempotentWritesTest::createsMigration,
                    FaultHarness.CLIENT_TIMEOUT.multipliedBy(3), 1));
            h.start(Map.of(), 0);
            h.requestDrain("node-1");
            await().atMost(Duration.ofSeconds(60)).until(() -> Names.COMPLETED.equals(h.evacuation("node-1")));
            SimRecord record = h.cluster.record();
            assertThat(record.migrationsCreated()).hasSize(1);
            assertThat(record.migrationsCreated().get(0).labels()).containsEntry("drainpilot.io/attempt", "1");
            assertThat(h.summary("node-1").migrated()).isEqualTo(1);
            assertThat(h.vmis()).singleElement().satisfies(v -> assertThat(v.annotation(Names.ATTEMPTS)).isEqualTo("1"));
        }
    }

    @Test
    void aCreateRefusedByAnApiErrorLeavesTheAttemptsAsTheyWere() {
        try (FaultHarness h = new FaultHarness(oneVm())) {
            AtomicInteger refused = new AtomicInteger();
            h.cluster.dispatcher().addInterceptor(r -> createsMigration(r) && refused.getAndIncrement() < 2
                    ? Optional.of(StatusResponses.failure(500, "InternalError", "etcdserver: request timed out"))
                    : Optional.empty());
            h.start(Map.of(), 0);
            h.requestDrain("node-1");
            await().atMost(Duration.ofSeconds(60)).until(() -> Names.COMPLETED.equals(h.evacuation("node-1")));
            assertThat(refused.get()).isGreaterThanOrEqualTo(2);
            assertThat(h.cluster.record().migrationsCreated()).hasSize(1);
            assertThat(h.summary("node-1").migrated()).isEqualTo(1);
            assertThat(h.vmis()).singleElement().satisfies(v -> assertThat(v.annotation(Names.ATTEMPTS)).isEqualTo("1"));
        }
    }
}
