package io.drainpilot.flow;

import io.drainpilot.names.Names;
import io.drainpilot.sim.CpuProfile;
import io.drainpilot.sim.Scenario;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A node name may have up to 253 characters but a label value at most 63, and the API server refuses a longer one in
 * a label or a label selector. A node with a 70-character name drains like any other, without a fallback.
 */
class LongNodeNameTest {
    /** 70 characters: a fully qualified name, as some installers register nodes. */
    static final String LONG = "harvester-worker-01.rack-42.datacenter-west.infra.example-corp.inte-ab";

    @Test
    void aNodeWithANameLongerThan63CharactersDrainsNormally() {
        assertThat(LONG).hasSize(70);
        Scenario s = Scenario.builder().kubeVirt("kubevirt", "v1.6.0")
                .node(Scenario.node("node-1", CpuProfile.SKYLAKE).memory("32Gi"))
                .node(Scenario.node(LONG, CpuProfile.SKYLAKE).memory("32Gi").hostname("harvester-worker-01"))
                .vm(Scenario.vm("default", "web").on("node-1").hostModel().memory("1Gi"))
                .build();
        try (Harness h = new Harness(s)) {
            h.startDrainPilot();
            h.requestDrain(LONG);
            h.awaitEvacuation(LONG, Names.COMPLETED);
            assertThat(h.summary(LONG).fellBack()).isZero();
            assertThat(h.summary(LONG).failed()).isZero();
            // its VMI watch must not take in the VMs of other nodes
            assertThat(h.summary(LONG).total()).isZero();
            assertThat(h.nodeOf("default", "web")).isEqualTo("node-1");
        }
    }
}
