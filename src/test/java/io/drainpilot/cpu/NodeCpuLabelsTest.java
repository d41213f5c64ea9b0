package io.drainpilot.cpu;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class NodeCpuLabelsTest {

    @Test
    void parsesEachNodeObjectOnce() {
        NodeCpuLabels labels = new NodeCpuLabels();
        Node node = node("node-1", "Skylake-Server");

        assertThat(labels.apply(node)).isSameAs(labels.apply(node));
        assertThat(labels.apply(node).models()).containsExactly("Skylake-Server");
    }

    /** Name and resourceVersion repeat across clusters (and after a restore): only the object itself is a key. */
    @Test
    void aNodeReadAgainIsParsedAgainEvenWithTheSameNameAndVersion() {
        NodeCpuLabels labels = new NodeCpuLabels();
        Node skylake = node("node-1", "Skylake-Server");
        Node epyc = node("node-1", "EPYC");

        assertThat(labels.apply(skylake).models()).containsExactly("Skylake-Server");
        assertThat(labels.apply(epyc).models()).containsExactly("EPYC");
    }

    private static Node node(String name, String model) {
        return new NodeBuilder().withNewMetadata().withName(name).withResourceVersion("7")
                .addToLabels(CpuLabels.MODEL + model, "true").endMetadata().build();
    }
}
