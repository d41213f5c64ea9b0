package io.drainpilot.plan;

import io.drainpilot.cpu.CpuLabels;
import io.drainpilot.cpu.LauncherCpu;
import io.drainpilot.work.Decision;
import io.drainpilot.cpu.TestNodes;
import io.drainpilot.cpu.TestVmis;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static io.drainpilot.cpu.TestNodes.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class EvacuationPlannerTest {
    private static final PlanInputs NONE = new PlanInputs(Set.of(), Map.of(), Set.of(), true);
    private static final String PVC_MESSAGE = "cannot migrate VMI: PVC foo is not shared, live migration requires"
            + " that all PVCs must be shared (using ReadWriteMany access mode)";

    private static TestVmis vm() {
        return TestVmis.vmi("vm").on("node-1").guestMemory("2Gi");
    }

    private static List<TestNodes> nodes(TestNodes... nodes) {
        return Arrays.asList(nodes);
    }

    static Stream<Arguments> plans() {
        return Stream.of(
                arguments("host-model: Skylake moves to Skylake and Cascadelake, not AMD", vm().cpu("host-model"),
                        nodes(node("node-1").skylake(), node("node-2").cascadelake(), node("node-3").epyc(),
                                node("node-4").skylake()), NONE,
                        new Decision.Migrate(List.of("node-2", "node-4"), "host-model")),
                arguments("no cpu section is host-model", vm(),
                        nodes(node("node-1").skylake(), node("node-2").skylake()), NONE,
                        new Decision.Migrate(List.of("node-2"), "host-model")),
                arguments("host-model: Cascadelake finds no older node", vm(),
                        nodes(node("node-1").cascadelake(), node("node-2").skylake(), node("node-3").epyc()), NONE,
                        new Decision.NoCompatibleTarget(Map.of(
                                "node-2", "lacks cpu-model-migration.node.kubevirt.io/Cascadelake-Server",
                                "node-3", "lacks cpu-model-migration.node.kubevirt.io/Cascadelake-Server"))),
                arguments("host-model with a required feature", vm().feature("avx512f", null),
                        nodes(node("node-1").skylake(), node("node-2").skylake(), node("node-3").epyc()), NONE,
                        new Decision.NoCompatibleTarget(Map.of(
                                "node-2", "lacks cpu-feature.node.kubevirt.io/avx512f",
                                "node-3", "lacks cpu-model-migration.node.kubevirt.io/Skylake-Client-IBRS"))),
                arguments("named model with feature: only the newer Intel", vm().cpu(TestNodes.SKYLAKE)
                                .feature("avx512f", "require"),
                        nodes(node("node-1").cascadelake(), node("node-2").skylake(), node("node-3").cascadelake()),
                        NONE, new Decision.Migrate(List.of("node-3"), TestNodes.SKYLAKE)),
                arguments("host-passthrough: only the identical CPU", vm().cpu("host-passthrough"),
                        nodes(node("node-1").skylake(), node("node-2").cascadelake(), node("node-3").skylake()), NONE,
                        new Decision.Migrate(List.of("node-3"), "host-passthrough")),
                arguments("every reason of a node is listed", vm(),
                        nodes(node("node-1").skylake(), node("node-2").epyc().cordoned()),
                        new PlanInputs(Set.of("node-2"), Map.of(), Set.of(), true),
                        new Decision.NoCompatibleTarget(Map.of("node-2",
                                "cordoned, draining, lacks cpu-model-migration.node.kubevirt.io/Skylake-Client-IBRS"))),
                arguments("single-node cluster", vm(), nodes(node("node-1").skylake()), NONE,
                        new Decision.NoCompatibleTarget(Map.of())),
                arguments("source without host-model label", vm(),
                        nodes(node("node-1").skylake().without(CpuLabels.HOST_MODEL + TestNodes.SKYLAKE),
                                node("node-2").skylake()), NONE,
                        new Decision.NotMigratable("source node-1 has no host-model-cpu.node.kubevirt.io/<model> label,"
                                + " so host-model targets cannot be determined")),
                arguments("LiveMigratable=False keeps KubeVirt's reason", vm()
                                .condition("LiveMigratable", "False", "DisksNotLiveMigratable", PVC_MESSAGE),
                        nodes(node("node-1").skylake(), node("node-2").skylake()), NONE,
                        new Decision.NotMigratable("LiveMigratable=False: DisksNotLiveMigratable (" + PVC_MESSAGE + ")")),
                arguments("LiveMigratable=True is fine", vm().condition("LiveMigratable", "True", null, null),
                        nodes(node("node-1").skylake(), node("node-2").skylake()), NONE,
                        new Decision.Migrate(List.of("node-2"), "host-model")),
                arguments("evictionStrategy None respected", vm().evictionStrategy("None"),
                        nodes(node("node-1").skylake(), node("node-2").skylake()), NONE,
                        new Decision.NotMigratable("evictionStrategy None: the VM's owner does not want it moved")),
                arguments("evictionStrategy None not respected", vm().evictionStrategy("None"),
                        nodes(node("node-1").skylake(), node("node-2").skylake()),
                        new PlanInputs(Set.of(), Map.of(), Set.of(), false),
                        new Decision.Migrate(List.of("node-2"), "host-model")),
                arguments("ranking: upgraded first, then free memory, then name", vm(),
                        nodes(node("node-1").skylake(), node("a").skylake(), node("b").skylake(), node("c").skylake(),
                                node("d").skylake(), node("e").skylake()),
                        new PlanInputs(Set.of(), Map.of("a", 4L << 30, "b", 16L << 30, "c", 8L << 30, "e", 32L << 30),
                                Set.of("c", "d"), true),
                        new Decision.Migrate(List.of("c", "d", "e", "b", "a"), "host-model")),
                arguments("ranking: equal memory by name", vm(),
                        nodes(node("node-1").skylake(), node("z").skylake(), node("y").skylake()),
                        new PlanInputs(Set.of(), Map.of("z", 8L << 30, "y", 8L << 30), Set.of(), true),
                        new Decision.Migrate(List.of("y", "z"), "host-model")),
                arguments("not enough memory anywhere", vm(),
                        nodes(node("node-1").skylake(), node("node-2").skylake()),
                        new PlanInputs(Set.of(), Map.of("node-2", 1L << 30), Set.of(), true),
                        new Decision.NoCompatibleTarget(Map.of("node-2",
                                "not enough free memory (needs 2.0 GiB, 1.0 GiB free)"))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("plans")
    void plan(String name, TestVmis vmi, List<TestNodes> nodes, PlanInputs inputs, Decision expected) {
        var built = nodes.stream().map(TestNodes::build).toList();

        assertThat(new EvacuationPlanner().plan(vmi.build(), built.get(0), built, inputs)).isEqualTo(expected);
    }

    private static final LauncherCpu LEFT_SKYLAKE = LauncherCpu.of(Map.of(
            CpuLabels.MIGRATION_MODEL + TestNodes.SKYLAKE, "true", CpuLabels.FEATURE + "hypervisor", "true",
            CpuLabels.FEATURE + "ssbd", "true"));
    private static final LauncherCpu LEFT_CASCADELAKE = LauncherCpu.of(Map.of(
            CpuLabels.MIGRATION_MODEL + TestNodes.CASCADELAKE, "true", CpuLabels.FEATURE + "pku", "true"));
    private static final PlanInputs VENDOR = new PlanInputs(Set.of(), Map.of(), Set.of(), true, true, true);
    private static final String KEPT = " (its virt-launcher pod's nodeSelector asks for it; KubeVirt keeps that for every"
            + " migration)";

    static Stream<Arguments> plansWithPod() {
        return Stream.of(
                arguments("host-model that first left Skylake, now on Cascade Lake: Skylake fits", vm().cpu("host-model"),
                        LEFT_SKYLAKE, nodes(node("node-1").cascadelake(), node("node-2").skylake(), node("node-3").epyc()),
                        NONE, new Decision.Migrate(List.of("node-2"), "host-model")),
                arguments("the same VM without its pod: no target", vm().cpu("host-model"), LauncherCpu.UNKNOWN,
                        nodes(node("node-1").cascadelake(), node("node-2").skylake()), NONE,
                        new Decision.NoCompatibleTarget(Map.of(
                                "node-2", "lacks cpu-model-migration.node.kubevirt.io/Cascadelake-Server"))),
                arguments("host-model that first left Cascade Lake, now on Skylake: only Cascade Lake",
                        vm().cpu("host-model"), LEFT_CASCADELAKE,
                        nodes(node("node-1").skylake(), node("node-2").skylake(), node("node-3").cascadelake()), NONE,
                        new Decision.Migrate(List.of("node-3"), "host-model")),
                arguments("host-model that first left Cascade Lake: a Skylake node is refused with the kept label",
                        vm().cpu("host-model"), LEFT_CASCADELAKE,
                        nodes(node("node-1").skylake(), node("node-2").skylake()), NONE,
                        new Decision.NoCompatibleTarget(Map.of("node-2",
                                "lacks cpu-model-migration.node.kubevirt.io/Cascadelake-Server" + KEPT))),
                arguments("KubeVirt 1.8: a model AMD also lists stays on Intel", vm().cpu("Haswell-noTSX"),
                        LauncherCpu.UNKNOWN, nodes(node("node-1").skylake(),
                                node("node-2").epyc().label(CpuLabels.MODEL + "Haswell-noTSX", "true"),
                                node("node-3").cascadelake()), VENDOR,
                        new Decision.Migrate(List.of("node-3"), "Haswell-noTSX")),
                arguments("before 1.8 the AMD node fits too", vm().cpu("Haswell-noTSX"),
                        LauncherCpu.UNKNOWN, nodes(node("node-1").skylake(),
                                node("node-2").epyc().label(CpuLabels.MODEL + "Haswell-noTSX", "true"),
                                node("node-3").cascadelake()), NONE,
                        new Decision.Migrate(List.of("node-2", "node-3"), "Haswell-noTSX")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("plansWithPod")
    void planWithPod(String name, TestVmis vmi, LauncherCpu pod, List<TestNodes> nodes, PlanInputs inputs,
                     Decision expected) {
        var built = nodes.stream().map(TestNodes::build).toList();

        assertThat(new EvacuationPlanner().plan(vmi.build(), pod, built.get(0), built, CpuLabels::of, inputs))
                .isEqualTo(expected);
    }

    @Test
    void describesEveryDecision() {
        assertThat(new Decision.Migrate(List.of("node-2", "node-3"), "host-model").describe())
                .isEqualTo("migrate (cpu host-model) to node-2, node-3");
        assertThat(new Decision.NotMigratable("evictionStrategy None").describe())
                .isEqualTo("not migratable: evictionStrategy None");
        var none = new Decision.NoCompatibleTarget(Map.of(
                "node-3", "lacks cpu-model-migration.node.kubevirt.io/Skylake-Client-IBRS",
                "node-2", "lacks cpu-feature.node.kubevirt.io/avx512f"));
        assertThat(none.summary()).isEqualTo("node-2: lacks cpu-feature.node.kubevirt.io/avx512f; "
                + "node-3: lacks cpu-model-migration.node.kubevirt.io/Skylake-Client-IBRS");
        assertThat(none.describe()).isEqualTo("no compatible target: " + none.summary());
        assertThat(new Decision.NoCompatibleTarget(Map.of()).summary()).isEqualTo("no other nodes");
    }

    @Test
    void partialObjectsDoNotThrow() {
        var source = node("node-1").skylake().build();
        var bare = new io.fabric8.kubernetes.api.model.Node();

        assertThat(new EvacuationPlanner().plan(new io.drainpilot.kubevirt.VirtualMachineInstance(), source,
                Arrays.asList(source, bare, null, node("node-2").skylake().build()), NONE))
                .isEqualTo(new Decision.Migrate(List.of("node-2"), "host-model"));
    }

    @Test
    void longListsAreCutSoAPlanLineStaysReadable() {
        List<String> targets = java.util.stream.IntStream.rangeClosed(2, 40).mapToObj(i -> "node-" + i).toList();
        assertThat(new Decision.Migrate(targets, "host-model").describe())
                .isEqualTo("migrate (cpu host-model) to node-2, node-3, node-4, node-5, node-6 and 34 other nodes");
        Map<String, String> reasons = new java.util.TreeMap<>();
        targets.forEach(t -> reasons.put(t, "cordoned"));
        assertThat(new Decision.NoCompatibleTarget(reasons).summary()).endsWith("; and 29 more nodes")
                .startsWith("node-10: cordoned; node-11: cordoned;");
    }
}
