package io.drainpilot.cpu;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class CpuLabelsTest {

    @Test
    void readsEveryLabelFamily() {
        CpuLabels cpu = TestNodes.node("node-1").cascadelake().cpu();

        assertThat(cpu.node()).isEqualTo("node-1");
        assertThat(cpu.models()).containsExactlyInAnyOrder("Haswell-noTSX", "Skylake-Client", TestNodes.SKYLAKE,
                TestNodes.CASCADELAKE);
        assertThat(cpu.migrationModels()).contains(TestNodes.SKYLAKE, TestNodes.CASCADELAKE);
        assertThat(cpu.hostModel()).contains(TestNodes.CASCADELAKE);
        assertThat(cpu.hostModelRequiredFeatures()).containsExactlyInAnyOrder("hypervisor", "pku", "ssbd");
        assertThat(cpu.features()).contains("avx512f", "avx2");
        assertThat(cpu.vendors()).containsExactly("Intel");
        assertThat(cpu.problems()).isEmpty();
    }

    static Stream<Arguments> labels() {
        return Stream.of(
                arguments("only true counts", Map.of(CpuLabels.FEATURE + "avx2", "false"), List.of(), List.of()),
                arguments("unrelated labels ignored", Map.of("kubernetes.io/hostname", "node-1"), List.of(), List.of()),
                arguments("empty suffix", Map.of(CpuLabels.FEATURE, "true"), List.of(),
                        List.of("node-1: label cpu-feature.node.kubevirt.io/ has no name after the slash")),
                arguments("odd value", Map.of(CpuLabels.FEATURE + "avx2", "yes", CpuLabels.FEATURE + "aes", "true"),
                        List.of("aes"),
                        List.of("node-1: label cpu-feature.node.kubevirt.io/avx2=yes is neither true nor false")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("labels")
    void featuresAndProblems(String name, Map<String, String> labels, List<String> features, List<String> problems) {
        CpuLabels cpu = CpuLabels.of(node(labels));

        assertThat(cpu.features()).containsExactlyInAnyOrderElementsOf(features);
        assertThat(cpu.problems()).containsExactlyElementsOf(problems);
    }

    @Test
    void twoHostModelsAreAProblemAndNoHostModel() {
        CpuLabels cpu = CpuLabels.of(node(Map.of(CpuLabels.HOST_MODEL + "A", "true", CpuLabels.HOST_MODEL + "B", "true")));

        assertThat(cpu.hostModel()).isEmpty();
        assertThat(cpu.problems()).containsExactly(
                "node-1: 2 host-model-cpu labels [A, B], expected one; host model treated as unknown");
    }

    @Test
    void partialNodesAreEmptyNotErrors() {
        assertThat(CpuLabels.of(new Node()).node()).isEqualTo("<unnamed>");
        assertThat(CpuLabels.of(null).features()).isEmpty();
        CpuLabels noLabels = CpuLabels.of(new NodeBuilder().withNewMetadata().withName("n").endMetadata().build());
        assertThat(noLabels.hostModel()).isEqualTo(Optional.empty());
        assertThat(noLabels.problems()).isEmpty();
    }

    private static Node node(Map<String, String> labels) {
        return new NodeBuilder().withNewMetadata().withName("node-1").withLabels(labels).endMetadata().build();
    }
}
