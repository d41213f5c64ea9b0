package io.drainpilot.flow;

import io.drainpilot.names.Bookkeeping;
import io.drainpilot.names.Names;
import io.drainpilot.sim.CpuProfile;
import io.drainpilot.sim.Scenario;
import io.fabric8.kubernetes.api.model.Node;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The annotation signal's cordon through the real routes: DrainPilot cordons the node it evacuates (nothing new lands
 * there), uncordons it when the drain is withdrawn or cancelled, never uncordons a node someone else cordoned, and
 * its own cordon never counts as a drain signal.
 */
class CordonScenariosTest {
    private static final String NS = "default";
    private static final String CORDONED = "drainpilot.io/cordoned";

    private static Scenario oneVm() {
        return Scenario.builder().kubeVirt("kubevirt", "v1.6.0")
                .node(Scenario.node("node-1", CpuProfile.SKYLAKE).memory("32Gi"))
                .node(Scenario.node("node-2", CpuProfile.SKYLAKE).memory("32Gi"))
                .vm(Scenario.vm(NS, "vm-a").on("node-1").hostModel().memory("1Gi")).build();
    }

    private static boolean cordoned(Node n) {
        return n.getSpec() != null && Boolean.TRUE.equals(n.getSpec().getUnschedulable());
    }

    private static String mark(Node n) {
        return n.getMetadata().getAnnotations() == null ? null : n.getMetadata().getAnnotations().get(CORDONED);
    }

    private static void awaitCordon(Harness h, boolean cordoned, String mark) {
        await().atMost(Harness.PATIENCE).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
            Node n = h.node("node-1");
            assertThat(cordoned(n)).as("node-1 cordoned").isEqualTo(cordoned);
            assertThat(mark(n)).as("node-1 %s", CORDONED).isEqualTo(mark);
        });
    }

    private static void cordonByHand(Harness h, boolean cordon) {
        Harness.retryOnConflict(() -> h.kube.nodes().withName("node-1").edit(n -> {
            n.getSpec().setUnschedulable(cordon);
            return n;
        }));
    }

    @Test
    void theAnnotationDrainCordonsTheNodeAndUncordonsItWhenWithdrawn() {
        try (Harness h = new Harness(oneVm())) {
            h.startDrainPilot();
            h.requestDrain("node-1");
            awaitCordon(h, true, "true");
            h.awaitEvacuation("node-1", Names.COMPLETED);
            assertThat(h.nodeOf(NS, "vm-a")).isEqualTo("node-2");
            h.awaitScans(3);
            assertThat(cordoned(h.node("node-1"))).as("the evacuated node stays cordoned while the annotation asks").isTrue();

            h.annotateNode("node-1", Names.DRAIN_REQUESTED, null);
            awaitCordon(h, false, null);
            h.awaitEvacuation("node-1", null);
        }
    }

    @Test
    void aCancelledDrainUncordonsTheNode() {
        try (Harness h = new Harness(oneVm())) {
            h.cluster.simulator().stallMigrationsOf(NS, "vm-a");
            h.startDrainPilot();
            h.requestDrain("node-1");
            awaitCordon(h, true, "true");
            h.annotateNode("node-1", Names.CANCEL, "true");
            h.awaitEvacuation("node-1", Names.CANCELLED);
            awaitCordon(h, false, null);
        }
    }

    @Test
    void aNodeCordonedBeforeTheDrainStaysCordonedAfterIt() {
        try (Harness h = new Harness(oneVm())) {
            cordonByHand(h, true);
            h.startDrainPilot();
            h.requestDrain("node-1");
            h.awaitEvacuation("node-1", Names.COMPLETED);
            assertThat(mark(h.node("node-1"))).as("not DrainPilot's cordon").isNull();
            h.annotateNode("node-1", Names.DRAIN_REQUESTED, null);
            h.awaitEvacuation("node-1", null);
            h.awaitScans(3);
            assertThat(cordoned(h.node("node-1"))).as("someone else's cordon is left alone").isTrue();
        }
    }

    @Test
    void withTheCordonSignalOnItsOwnCordonStartsNoSecondDrain() {
        try (Harness h = new Harness(oneVm())) {
            h.startDrainPilot(Map.of("drainpilot.signal.cordon.enabled", "true"));
            h.requestDrain("node-1");
            awaitCordon(h, true, "true");
            h.awaitEvacuation("node-1", Names.COMPLETED);
            String drainId = h.node("node-1").getMetadata().getAnnotations().get(Bookkeeping.DRAIN_ID);

            h.annotateNode("node-1", Names.DRAIN_REQUESTED, null);
            awaitCordon(h, false, null);
            h.awaitEvacuation("node-1", null);
            h.awaitScans(5);
            Node n = h.node("node-1");
            assertThat(h.evacuation("node-1")).as("no drain of its own cordon").isNull();
            assertThat(cordoned(n)).isFalse();
            assertThat(n.getMetadata().getAnnotations().get(Bookkeeping.DRAIN_ID)).as("no new drain started").isEqualTo(drainId);

            // a cordon someone else sets is still a drain signal
            cordonByHand(h, true);
            h.awaitEvacuation("node-1", Names.COMPLETED);
            assertThat(mark(h.node("node-1"))).isNull();
        }
    }

    @Test
    void aPersonWhoUncordonsDuringTheDrainIsNotOverruled() {
        try (Harness h = new Harness(oneVm())) {
            h.cluster.simulator().stallMigrationsOf(NS, "vm-a");
            h.startDrainPilot();
            h.requestDrain("node-1");
            awaitCordon(h, true, "true");
            cordonByHand(h, false);
            h.awaitScans(5);
            assertThat(h.evacuation("node-1")).isEqualTo(Names.IN_PROGRESS);
            assertThat(cordoned(h.node("node-1"))).as("not cordoned again").isFalse();

            h.annotateNode("node-1", Names.DRAIN_REQUESTED, null);
            awaitCordon(h, false, null);
        }
    }

    @Test
    void theCordonCanBeSwitchedOff() {
        try (Harness h = new Harness(oneVm())) {
            h.startDrainPilot(Map.of("drainpilot.signal.annotation.cordon", "false"));
            h.requestDrain("node-1");
            h.awaitEvacuation("node-1", Names.COMPLETED);
            Node n = h.node("node-1");
            assertThat(cordoned(n)).isFalse();
            assertThat(mark(n)).isNull();
        }
    }
}
