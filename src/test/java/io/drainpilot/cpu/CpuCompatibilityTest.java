package io.drainpilot.cpu;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.drainpilot.kubevirt.KubeVirtNames;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static io.drainpilot.cpu.TestNodes.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class CpuCompatibilityTest {

    private static final CpuRequirement HOST_MODEL = CpuRequirement.of(TestVmis.vmi("v").cpu("host-model").build());
    private static final CpuRequirement PASSTHROUGH = CpuRequirement.of(TestVmis.vmi("v").cpu("host-passthrough").build());

    private static CpuRequirement named(String model, String... requiredFeatures) {
        TestVmis vmi = TestVmis.vmi("v").cpu(model);
        for (String f : requiredFeatures) {
            vmi.feature(f, "require");
        }
        return CpuRequirement.of(vmi.build());
    }

    static Stream<Arguments> targets() {
        return Stream.of(
                // named model
                arguments("named: target has model", named(TestNodes.SKYLAKE),
                        node("s").skylake(), node("t").cascadelake(), null),
                arguments("named: newer model missing on older CPU", named(TestNodes.CASCADELAKE),
                        node("s").cascadelake(), node("t").skylake(),
                        "lacks cpu-model.node.kubevirt.io/Cascadelake-Server"),
                arguments("named: Intel model on AMD", named(TestNodes.SKYLAKE),
                        node("s").skylake(), node("t").epyc(), "lacks cpu-model.node.kubevirt.io/Skylake-Client-IBRS"),
                arguments("named: required feature present", named(TestNodes.SKYLAKE, "avx512f"),
                        node("s").cascadelake(), node("t").cascadelake(), null),
                arguments("named: required feature missing", named(TestNodes.SKYLAKE, "avx512f"),
                        node("s").cascadelake(), node("t").skylake(), "lacks cpu-feature.node.kubevirt.io/avx512f"),
                // host-model
                arguments("host-model: same generation", HOST_MODEL,
                        node("s").skylake(), node("t").skylake(), null),
                arguments("host-model: older to newer works", HOST_MODEL,
                        node("s").skylake(), node("t").cascadelake(), null),
                arguments("host-model: newer to older fails", HOST_MODEL,
                        node("s").cascadelake(), node("t").skylake(),
                        "lacks cpu-model-migration.node.kubevirt.io/Cascadelake-Server"),
                arguments("host-model: Intel to AMD", HOST_MODEL, node("s").skylake(), node("t").epyc(),
                        "lacks cpu-model-migration.node.kubevirt.io/Skylake-Client-IBRS"),
                arguments("host-model: cpu-model-migration alone is enough", HOST_MODEL, node("s").skylake(),
                        node("t").cascadelake().without(CpuLabels.MODEL + TestNodes.SKYLAKE), null),
                arguments("host-model: cpu-model alone is not enough", HOST_MODEL, node("s").skylake(),
                        node("t").cascadelake().without(CpuLabels.MIGRATION_MODEL + TestNodes.SKYLAKE),
                        "lacks cpu-model-migration.node.kubevirt.io/Skylake-Client-IBRS"),
                arguments("named: cpu-model-migration alone is not enough", named(TestNodes.SKYLAKE), node("s").skylake(),
                        node("t").cascadelake().without(CpuLabels.MODEL + TestNodes.SKYLAKE),
                        "lacks cpu-model.node.kubevirt.io/Skylake-Client-IBRS"),
                arguments("host-model: source required feature missing on target", HOST_MODEL,
                        node("s").skylake(), node("t").cascadelake().without(CpuLabels.FEATURE + "ssbd"),
                        "lacks cpu-feature.node.kubevirt.io/ssbd"),
                arguments("host-model: the target's own required features do not matter", HOST_MODEL,
                        node("s").skylake(), node("t").cascadelake().without(CpuLabels.FEATURE + "pku"), null),
                arguments("host-model: source without host-model label", HOST_MODEL,
                        node("s").skylake().without(CpuLabels.HOST_MODEL + TestNodes.SKYLAKE), node("t").skylake(),
                        "source s has no host-model-cpu.node.kubevirt.io/<model> label, so host-model targets cannot be determined"),
                // host-passthrough
                arguments("passthrough: same model and features", PASSTHROUGH,
                        node("s").skylake(), node("t").skylake(), null),
                arguments("passthrough: same model, superset", PASSTHROUGH,
                        node("s").skylake(), node("t").skylake().label(CpuLabels.FEATURE + "avx512f", "true"), null),
                arguments("passthrough: same model, subset", PASSTHROUGH,
                        node("s").skylake(), node("t").skylake().without(CpuLabels.FEATURE + "md-clear"),
                        "lacks cpu-feature.node.kubevirt.io/md-clear"),
                arguments("passthrough: newer generation is not the same CPU", PASSTHROUGH,
                        node("s").skylake(), node("t").cascadelake(),
                        "host CPU Cascadelake-Server differs from source Skylake-Client-IBRS (host-passthrough needs the same)"),
                arguments("passthrough: different vendor", PASSTHROUGH, node("s").skylake(), node("t").epyc(),
                        "CPU vendor [AMD] differs from source [Intel] (host-passthrough needs the same)"),
                arguments("passthrough: target without host model", PASSTHROUGH,
                        node("s").skylake(), node("t").skylake().without(CpuLabels.HOST_MODEL + TestNodes.SKYLAKE),
                        "host CPU <unknown> differs from source Skylake-Client-IBRS (host-passthrough needs the same)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("targets")
    void incompatibility(String name, CpuRequirement cpu, TestNodes source, TestNodes target, String reason) {
        assertThat(CpuCompatibility.incompatibility(cpu, source.cpu(), target.cpu()))
                .isEqualTo(Optional.ofNullable(reason));
    }

    static Stream<Arguments> sources() {
        return Stream.of(
                arguments("host-model with label", HOST_MODEL, node("s").skylake(), null),
                arguments("named model never needs the host label", named(TestNodes.SKYLAKE), node("s"), null),
                arguments("host-model without label", HOST_MODEL, node("s"),
                        "source s has no host-model-cpu.node.kubevirt.io/<model> label, so host-model targets cannot be determined"),
                arguments("passthrough without label", PASSTHROUGH, node("s"),
                        "source s has no host-model-cpu.node.kubevirt.io/<model> label, so host-passthrough targets cannot be determined"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("sources")
    void sourceProblem(String name, CpuRequirement cpu, TestNodes source, String problem) {
        assertThat(CpuCompatibility.sourceProblem(cpu, source.cpu())).isEqualTo(Optional.ofNullable(problem));
    }

    private static final LauncherCpu KEPT_SKYLAKE = LauncherCpu.of(Map.of(
            CpuLabels.MIGRATION_MODEL + TestNodes.SKYLAKE, "true", CpuLabels.FEATURE + "hypervisor", "true",
            CpuLabels.FEATURE + "ssbd", "true", KubeVirtNames.LABEL_SCHEDULABLE, "true"));
    private static final LauncherCpu KEPT_CASCADELAKE = LauncherCpu.of(Map.of(
            CpuLabels.MIGRATION_MODEL + TestNodes.CASCADELAKE, "true", CpuLabels.FEATURE + "pku", "true"));
    private static final LauncherCpu NEVER_MIGRATED = LauncherCpu.of(Map.of(KubeVirtNames.LABEL_SCHEDULABLE, "true"));
    private static final String KEPT = " (its virt-launcher pod's nodeSelector asks for it; KubeVirt keeps that for every"
            + " migration)";
    private static final String VENDOR = " (KubeVirt 1.8+ keeps a migration on the source's CPU vendor)";

    static Stream<Arguments> withPod() {
        TestNodes epycWithHaswell = node("t").epyc().label(CpuLabels.MODEL + "Haswell-noTSX", "true");
        return Stream.of(
                // host-model: the pod's kept selectors, not the current node, decide
                arguments("host-model: first left Skylake, now on Cascade Lake: back to Skylake", HOST_MODEL,
                        KEPT_SKYLAKE, node("s").cascadelake(), node("t").skylake(), false, null),
                arguments("host-model: the same VM judged by its node alone is refused Skylake", HOST_MODEL,
                        LauncherCpu.UNKNOWN, node("s").cascadelake(), node("t").skylake(), false,
                        "lacks cpu-model-migration.node.kubevirt.io/Cascadelake-Server"),
                arguments("host-model: first left Cascade Lake, now on Skylake-able node: not to Skylake", HOST_MODEL,
                        KEPT_CASCADELAKE, node("s").skylake(), node("t").skylake(), false,
                        "lacks cpu-model-migration.node.kubevirt.io/Cascadelake-Server" + KEPT),
                arguments("host-model: a kept feature the target lacks", HOST_MODEL,
                        LauncherCpu.of(Map.of(CpuLabels.MIGRATION_MODEL + TestNodes.SKYLAKE, "true",
                                CpuLabels.FEATURE + "pku", "true")),
                        node("s").cascadelake(), node("t").skylake(), false, "lacks cpu-feature.node.kubevirt.io/pku" + KEPT),
                arguments("host-model: kept selectors need no host-model label on the current node", HOST_MODEL,
                        KEPT_SKYLAKE, node("s").cascadelake().without(CpuLabels.HOST_MODEL + TestNodes.CASCADELAKE),
                        node("t").skylake(), false, null),
                arguments("host-model: the current node's required features no longer matter", HOST_MODEL,
                        KEPT_SKYLAKE, node("s").cascadelake(), node("t").skylake(),
                        false, null),
                arguments("host-model: a pod without CPU selectors never migrated: the node's rule", HOST_MODEL,
                        NEVER_MIGRATED, node("s").cascadelake(), node("t").skylake(), false,
                        "lacks cpu-model-migration.node.kubevirt.io/Cascadelake-Server"),
                arguments("host-model: never migrated, older to newer", HOST_MODEL,
                        NEVER_MIGRATED, node("s").skylake(), node("t").cascadelake(), false, null),
                arguments("host-model with a required feature: its pod asks for that feature only (as KubeVirt)",
                        CpuRequirement.of(TestVmis.vmi("v").cpu("host-model").feature("aes", "require").build()),
                        LauncherCpu.of(Map.of(CpuLabels.FEATURE + "aes", "true")), node("s").cascadelake(),
                        node("t").skylake(), false, null),
                arguments("host-model: a selector whose value is not true is not read", HOST_MODEL,
                        LauncherCpu.of(Map.of(CpuLabels.MIGRATION_MODEL + TestNodes.CASCADELAKE, "false")),
                        node("s").skylake(), node("t").cascadelake(), false, null),
                // cpu-vendor (KubeVirt 1.8+)
                arguments("vendor: a model both vendors list, before 1.8", named("Haswell-noTSX"), LauncherCpu.UNKNOWN,
                        node("s").skylake(), epycWithHaswell, false, null),
                arguments("vendor: the same from 1.8", named("Haswell-noTSX"), LauncherCpu.UNKNOWN,
                        node("s").skylake(), epycWithHaswell, true, "lacks cpu-vendor.node.kubevirt.io/Intel" + VENDOR),
                arguments("vendor: same vendor from 1.8", named("Haswell-noTSX"), LauncherCpu.UNKNOWN,
                        node("s").skylake(), node("t").cascadelake(), true, null),
                arguments("vendor: a source without a vendor label adds no selector", named("Haswell-noTSX"),
                        LauncherCpu.UNKNOWN, node("s").skylake().without(CpuLabels.VENDOR + "Intel"), epycWithHaswell,
                        true, null),
                arguments("vendor: host-model from 1.8 with kept selectors", HOST_MODEL, KEPT_SKYLAKE,
                        node("s").cascadelake(), node("t").skylake().without(CpuLabels.VENDOR + "Intel"), true,
                        "lacks cpu-vendor.node.kubevirt.io/Intel" + VENDOR));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("withPod")
    void incompatibilityWithPod(String name, CpuRequirement cpu, LauncherCpu pod, TestNodes source, TestNodes target,
                                boolean sameVendor, String reason) {
        assertThat(CpuCompatibility.incompatibility(cpu, pod, source.cpu(), target.cpu(), sameVendor))
                .isEqualTo(Optional.ofNullable(reason));
    }

    static Stream<Arguments> sourcesWithPod() {
        TestNodes unlabelled = node("s").skylake().without(CpuLabels.HOST_MODEL + TestNodes.SKYLAKE);
        return Stream.of(
                arguments("host-model, kept selectors, no host-model label", HOST_MODEL, KEPT_SKYLAKE, unlabelled, null),
                arguments("host-model, never migrated, no host-model label", HOST_MODEL, NEVER_MIGRATED, unlabelled,
                        "source s has no host-model-cpu.node.kubevirt.io/<model> label, so host-model targets cannot be determined"),
                arguments("host-passthrough reads no pod", PASSTHROUGH, KEPT_SKYLAKE, unlabelled,
                        "source s has no host-model-cpu.node.kubevirt.io/<model> label, so host-passthrough targets cannot be determined"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("sourcesWithPod")
    void sourceProblemWithPod(String name, CpuRequirement cpu, LauncherCpu pod, TestNodes source, String problem) {
        assertThat(CpuCompatibility.sourceProblem(cpu, pod, source.cpu())).isEqualTo(Optional.ofNullable(problem));
    }

    static Stream<Arguments> clusters() {
        return Stream.of(
                arguments("no nodes", List.of(), null),
                arguments("Skylake only", List.of(node("a").skylake()), TestNodes.SKYLAKE),
                arguments("Cascadelake only", List.of(node("a").cascadelake(), node("b").cascadelake()),
                        TestNodes.CASCADELAKE),
                arguments("two Intel generations", List.of(node("a").cascadelake(), node("b").skylake()),
                        TestNodes.SKYLAKE),
                arguments("Intel and AMD share nothing", List.of(node("a").skylake(), node("b").epyc()), null),
                arguments("unlisted models rank below listed", List.of(node("a").skylake()
                        .label(CpuLabels.MODEL + "Zzz-Future", "true")), TestNodes.SKYLAKE),
                arguments("only unlisted models: alphabetical", List.of(node("a")
                        .label(CpuLabels.MODEL + "B-Model", "true").label(CpuLabels.MODEL + "A-Model", "true")), "A-Model"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clusters")
    void commonNamedModel(String name, List<TestNodes> nodes, String expected) {
        assertThat(CpuCompatibility.commonNamedModel(nodes.stream().map(TestNodes::cpu).toList()))
                .isEqualTo(Optional.ofNullable(expected));
    }
}
