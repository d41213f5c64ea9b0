package io.drainpilot.flow;

import io.drainpilot.names.Names;
import io.drainpilot.sim.CpuProfile;
import io.drainpilot.sim.Scenario;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reaction by event: with the timers (the safety net) turned down to once an hour, a drain is still noticed, moved
 * and released, because the watches put the node on the evaluation queue. Also when the API server ends the watches
 * and forgets their history meanwhile (410 Gone, a new list): nothing is missed.
 */
class EventDrivenTest {
    private static final Map<String, String> NO_SAFETY_NET = Map.of("drainpilot.poll.period", "1h",
            "drainpilot.await.period", "1h", "drainpilot.poll.initial-delay", "1h");

    private static Scenario cluster() {
        Scenario.Builder b = Scenario.builder().kubeVirt("kubevirt", "v1.6.0");
        for (int i = 1; i <= 3; i++) {
            b.node(Scenario.node("node-" + i, CpuProfile.SKYLAKE).memory("64Gi"));
        }
        for (int i = 1; i <= 4; i++) {
            b.vm(Scenario.vm("default", "vm-" + i).on("node-1").hostModel().memory("1Gi"));
        }
        return b.build();
    }

    @Test
    void aDrainIsMovedAndReleasedByEventsAlone() {
        try (Harness h = new Harness(cluster())) {
            h.startDrainPilot(NO_SAFETY_NET);
            h.awaitReady();
            h.requestDrain("node-1");
            h.awaitEvacuation("node-1", Names.COMPLETED);
            assertThat(h.summary("node-1").migrated()).isEqualTo(4);
            assertThat(h.migrationsCreatedPerVmi().values()).containsOnly(1L);
        }
    }

    @Test
    void aSignalSentWhileTheWatchesAreDownIsNotMissed() {
        try (Harness h = new Harness(cluster())) {
            h.startDrainPilot(NO_SAFETY_NET);
            h.awaitReady();
            long endedBefore = h.cluster.watches().watchesEndedByServer();
            // the server forgets its history and ends every watch: the resumes get 410 and list again
            h.cluster.watches().compactHistory();
            h.cluster.watches().endAllWatches();
            h.requestDrain("node-1");
            h.awaitEvacuation("node-1", Names.COMPLETED);
            assertThat(h.cluster.watches().watchesEndedByServer()).isGreaterThan(endedBefore);
            assertThat(h.summary("node-1").migrated()).isEqualTo(4);
        }
    }

    @Test
    void idleDrainPilotListsNothingAfterItsFirstLists() {
        try (Harness h = new Harness(cluster())) {
            h.startDrainPilot(Map.of("drainpilot.poll.period", "100ms", "drainpilot.await.period", "100ms"));
            h.awaitReady();
            Map<String, Long> before = h.cluster.record().requestCounts();
            h.awaitScans(20);
            Map<String, Long> after = h.cluster.record().requestCounts();
            assertThat(after).as("requests while idle, the timers running (they read the view)").isEqualTo(before);
        }
    }
}
