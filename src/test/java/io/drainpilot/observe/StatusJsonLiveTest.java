package io.drainpilot.observe;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The live fields of a node's entry in the status JSON, from a card as an evaluation leaves it. */
class StatusJsonLiveTest {
    private static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");

    @Test
    @SuppressWarnings("unchecked")
    void aNodeShowsItsMigrationsQueueHoldsAndTimeLeft() {
        StatusBoard.MigrationLine running = new StatusBoard.MigrationLine("drainpilot-a-x1-1", "Running", "node-2",
                NOW.minusSeconds(12), NOW.minusSeconds(12).plusSeconds(455));
        StatusBoard.MigrationLine theirs = new StatusBoard.MigrationLine("kubevirt-evacuation-b", "Scheduling", null,
                NOW.minusSeconds(3), null);
        StatusBoard.NodeCard card = new StatusBoard.NodeCard("node-1", "InProgress", List.of("drainpilot.io/drain-requested"),
                List.of(new StatusBoard.VmLine("default", "a", "Migrating", "migration drainpilot-a-x1-1", 1, running),
                        new StatusBoard.VmLine("default", "b", "Adopted", "adopted migration", null, theirs),
                        new StatusBoard.VmLine("default", "c", "Queued", "outbound cap 2 for node-1", 2, null),
                        new StatusBoard.VmLine("default", "d", "Skipped", "labelled drainpilot.io/skip")),
                NOW, null, List.of("1 VM(s) still to move", "2 migration(s) under way"), NOW.plusMillis(41_200), "pair");

        Map<String, Object> n = StatusJson.node(card, NOW);

        assertThat(n).containsEntry("inFlight", 2L).containsEntry("queued", 1L).containsEntry("etaSeconds", 42L)
                .containsEntry("etaBasis", "pair")
                .containsEntry("holds", List.of("1 VM(s) still to move", "2 migration(s) under way"));
        List<Map<String, Object>> vms = (List<Map<String, Object>>) n.get("vms");
        assertThat(vms.get(0)).containsEntry("phase", "Running").containsEntry("target", "node-2")
                .containsEntry("attempt", 1).containsEntry("elapsedSeconds", 12L).containsEntry("deadlineSeconds", 455L)
                .containsEntry("migration", "drainpilot-a-x1-1");
        assertThat(vms.get(1)).containsEntry("phase", "Scheduling").containsEntry("target", null)
                .containsEntry("attempt", null).containsEntry("deadlineSeconds", null).containsEntry("elapsedSeconds", 3L);
        assertThat(vms.get(2)).containsEntry("attempt", 2).doesNotContainKey("phase");
        assertThat(vms.get(3)).containsEntry("state", "Skipped").containsEntry("attempt", null);
    }

    @Test
    void aFollowerCountsDownTheEstimateTheLeaderWrote() {
        io.drainpilot.work.EvacuationSummary written = io.drainpilot.work.EvacuationSummary.started("2026-01-01T11:59:50Z")
                .withEta(40L);
        assertThat(StatusJson.etaFromSummary(written, NOW)).isEqualTo(30L);
        assertThat(StatusJson.etaFromSummary(written.withEta(5L), NOW)).isEqualTo(0L);
        assertThat(StatusJson.etaFromSummary(written.withEta(null), NOW)).isNull();
        assertThat(StatusJson.etaFromSummary(null, NOW)).isNull();
    }

    @Test
    void withoutAnEstimateTheTimeLeftIsNullAndAPastEndIsZero() {
        StatusBoard.NodeCard none = new StatusBoard.NodeCard("node-1", "InProgress", List.of(), List.of(), NOW, null);
        assertThat(StatusJson.node(none, NOW)).containsEntry("etaSeconds", null).containsEntry("holds", List.of());
        StatusBoard.NodeCard past = new StatusBoard.NodeCard("node-1", "InProgress", List.of(), List.of(), NOW, null,
                List.of(), NOW.minusSeconds(5), "cluster");
        assertThat(StatusJson.node(past, NOW)).containsEntry("etaSeconds", 0L);
    }
}
