package io.drainpilot.observe;

import io.drainpilot.names.Names;
import io.fabric8.kubernetes.api.model.Node;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A follower's node cards, from the evacuation annotations alone. */
class AnnotatedNodesTest {

    @ParameterizedTest(name = "evacuation={0} -> card {1}")
    @CsvSource(nullValues = "-", value = {
            "InProgress, yes", "Blocked, yes", "Cancelled, yes", "Completed, yes",
            "-, no",            // no drain (or its signal went)
            "Bogus, no",        // a value DrainPilot never writes
    })
    void aCardPerDrainingNode(String state, String card) {
        Node n = DrainHistoryTest.node("n1", state, DrainHistoryTest.SUMMARY, "d1");
        List<StatusBoard.NodeCard> cards = AnnotatedNodes.cards(List.of(n),
                nodes -> Map.of("n1", List.of(Names.DRAIN_REQUESTED)), Instant.EPOCH);
        if ("no".equals(card)) {
            assertThat(cards).isEmpty();
            return;
        }
        assertThat(cards).singleElement().satisfies(c -> {
            assertThat(c.state()).isEqualTo(state);
            assertThat(c.signals()).containsExactly(Names.DRAIN_REQUESTED);
            assertThat(c.vms()).isEmpty();
            assertThat(c.summary().total()).isEqualTo(3);
        });
    }

    @org.junit.jupiter.api.Test
    void nodesWithoutAnnotationsAndAnUnreadableSummary() {
        Node bare = new io.fabric8.kubernetes.api.model.NodeBuilder().withNewMetadata().withName("bare").endMetadata().build();
        Node broken = DrainHistoryTest.node("broken", Names.IN_PROGRESS, "{", null);
        List<StatusBoard.NodeCard> cards = AnnotatedNodes.cards(List.of(bare, broken), nodes -> Map.of(), Instant.EPOCH);
        assertThat(cards).singleElement().satisfies(c -> {
            assertThat(c.node()).isEqualTo("broken");
            assertThat(c.summary()).isNull();
            assertThat(c.signals()).isEmpty();
        });
    }
}
