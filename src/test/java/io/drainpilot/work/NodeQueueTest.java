package io.drainpilot.work;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class NodeQueueTest {

    @Test
    void aBurstForOneNodeQueuesItOnceAndAChangeDuringItsEvaluationQueuesItAgain() {
        List<String> sent = new ArrayList<>();
        NodeQueue q = new NodeQueue();
        q.connect(sent::add);
        for (int i = 0; i < 100; i++) {
            q.offer("node-1");
        }
        q.offer("node-2");
        assertThat(sent).containsExactly("node-1", "node-2");
        q.take("node-1"); // its evaluation starts
        q.offer("node-1"); // something changed meanwhile
        assertThat(sent).containsExactly("node-1", "node-2", "node-1");
        assertThat(q.pending()).isEqualTo(2);
    }

    @Test
    void beforeTheRoutesRunNothingIsQueued() {
        NodeQueue q = new NodeQueue();
        assertThat(q.offer("node-1")).isFalse();
        List<String> sent = new ArrayList<>();
        q.connect(sent::add);
        assertThat(q.offer("node-1")).isTrue();
    }

    @Test
    void summaryCountsComeFromTheOutcomeRecordSoARepeatCountsOnce() {
        java.util.Map<String, Outcome> outcomes = new java.util.TreeMap<>();
        outcomes.put("default/a", Outcome.MIGRATED);
        outcomes.put("default/a", Outcome.MIGRATED);
        outcomes.put("default/b", Outcome.SHUTDOWN_RESTART);
        outcomes.put("default/c", Outcome.BLOCK);
        EvacuationSummary s = EvacuationSummary.started("t").withOutcomes(outcomes);
        assertThat(s.migrated()).isEqualTo(1);
        assertThat(s.fellBack()).isEqualTo(1);
        assertThat(s.total()).isEqualTo(3);
        assertThat(Outcome.parse(Outcome.toJson(outcomes))).isEqualTo(outcomes);
        assertThat(Outcome.parse("{\"default/x\": \"nonsense\", \"default/y\": \"release\"}"))
                .containsExactly(java.util.Map.entry("default/y", Outcome.RELEASE));
        assertThat(Outcome.parse("not json")).isEmpty();
    }
}
