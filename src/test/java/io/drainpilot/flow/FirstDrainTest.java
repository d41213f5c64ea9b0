package io.drainpilot.flow;

import io.drainpilot.names.Names;
import io.drainpilot.sim.Scenarios;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class FirstDrainTest {

    @Test
    void twoNodeDrainMovesEveryVmAndCompletes() {
        try (Harness h = new Harness(Scenarios.harvesterTwoNode())) {
            h.startDrainPilot();
            h.requestDrain("node-1");
            h.awaitEvacuation("node-1", Names.COMPLETED);
            assertThat(h.nodeOf("harvester-system", Scenarios.UPGRADE_REPO_VM)).isEqualTo("node-2");
            assertThat(h.summary("node-1").migrated()).isEqualTo(2);
        }
    }
}
