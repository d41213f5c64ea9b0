package io.drainpilot.observe;

import io.drainpilot.names.Bookkeeping;
import io.drainpilot.names.Names;
import io.drainpilot.work.EvacuationSummary;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The history of ended drains: rebuilt from node annotations, merged with what the leader saw, bounded. */
class DrainHistoryTest {
    static final String SUMMARY = new EvacuationSummary(3, 2, 0, 0, 0, 1, 0, "2026-01-01T10:00:00Z",
            "2026-01-01T10:05:00Z").toJson();

    static Node node(String name, String state, String summary, String drainId) {
        Map<String, String> a = new HashMap<>();
        if (state != null) {
            a.put(Names.EVACUATION, state);
        }
        if (summary != null) {
            a.put(Names.EVACUATION_SUMMARY, summary);
        }
        if (drainId != null) {
            a.put(Bookkeeping.DRAIN_ID, drainId);
        }
        return new NodeBuilder().withNewMetadata().withName(name).withAnnotations(a).endMetadata().build();
    }

    @ParameterizedTest(name = "evacuation={0} summary={1} drainId={2} -> {3}")
    @CsvSource(nullValues = "-", value = {
            "Completed,  yes, d1, Completed",
            "Cancelled,  yes, d1, Cancelled",
            "-,          yes, d1, Ended",      // the signal went: state removed, summary kept
            "InProgress, yes, d1, -",          // still draining: a card, no history
            "Blocked,    yes, d1, -",
            "Completed,  -,   d1, -",          // no summary: nothing to tell
            "Completed,  yes, -,  -",          // no drain id: not one of ours
    })
    void rebuiltFromAnnotations(String state, String summary, String drainId, String outcome) {
        List<DrainHistory.Entry> out = DrainHistory.fromNodes(List.of(node("n1", state, summary == null ? null : SUMMARY, drainId)));
        if (outcome == null) {
            assertThat(out).isEmpty();
            return;
        }
        assertThat(out).singleElement().satisfies(e -> {
            assertThat(e.outcome().wire()).isEqualTo(outcome);
            assertThat(e.drainId()).isEqualTo(drainId);
            assertThat(e.startedAt()).isEqualTo("2026-01-01T10:00:00Z");
            assertThat(e.endedAt()).isEqualTo("2026-01-01T10:05:00Z");
            assertThat(e.summary().migrated()).isEqualTo(2);
            assertThat(e.source()).isEqualTo("annotations");
        });
    }

    @Test
    void anUnreadableSummaryIsNoHistory() {
        assertThat(DrainHistory.fromNodes(List.of(node("n1", "Completed", "{not json", "d1")))).isEmpty();
    }

    @Test
    void whatTheLeaderSawWinsOverTheAnnotationsForTheSameDrainAndTheNewestComeFirst() {
        DrainHistory h = new DrainHistory();
        EvacuationSummary s = EvacuationSummary.parse(SUMMARY);
        h.ended("n1", "d1", DrainHistory.Outcome.COMPLETED, Names.COMPLETED, s, Instant.parse("2026-01-01T10:06:00Z"));
        h.ended("n1", "d1", DrainHistory.Outcome.COMPLETED, Names.COMPLETED, s, Instant.parse("2026-01-01T10:07:00Z"));
        assertThat(h.entries()).as("a drain reported twice is listed once").hasSize(1);
        List<DrainHistory.Entry> merged = DrainHistory.merge(h.entries(), DrainHistory.fromNodes(List.of(
                node("n1", "Completed", SUMMARY, "d1"),
                node("n2", "Cancelled", new EvacuationSummary(1, 0, 1, 0, 0, 0, 0, "2026-01-01T09:00:00Z",
                        "2026-01-01T11:00:00.5Z").toJson(), "d2"))));
        assertThat(merged).extracting(DrainHistory.Entry::node).containsExactly("n2", "n1");
        assertThat(merged.get(1).source()).isEqualTo("memory");
        assertThat(merged.get(1).endedAt()).isEqualTo("2026-01-01T10:06:00Z");
    }

    @Test
    void theListIsBounded() {
        DrainHistory h = new DrainHistory();
        for (int i = 0; i < DrainHistory.LIMIT + 5; i++) {
            h.ended("n" + i, "d" + i, DrainHistory.Outcome.WITHDRAWN, Names.IN_PROGRESS, null,
                    Instant.parse("2026-01-01T10:00:00Z").plusSeconds(i));
        }
        assertThat(h.entries()).hasSize(DrainHistory.LIMIT);
        assertThat(h.entries().get(0).node()).as("the newest kept").isEqualTo("n" + (DrainHistory.LIMIT + 4));
        List<DrainHistory.Entry> rebuilt = new java.util.ArrayList<>();
        for (int i = 0; i < 30; i++) {
            rebuilt.addAll(DrainHistory.fromNodes(List.of(node("m" + i, "Completed", SUMMARY, "x" + i))));
        }
        assertThat(DrainHistory.merge(h.entries(), rebuilt)).hasSize(DrainHistory.LIMIT);
    }
}
