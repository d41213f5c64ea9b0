package io.drainpilot.sim;

import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeList;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Lists in pages ({@code limit}, {@code continue}) as a real API server serves them; informers page their first list. */
class ListPagesTest extends ClusterPerTest {

    @Test
    void aLimitedListComesInKeyOrderedPagesWithAContinueToken() {
        for (String name : List.of("node-b", "node-a", "node-c")) {
            client.nodes().resource(new NodeBuilder().withNewMetadata().withName(name).endMetadata().build()).create();
        }
        List<String> all = client.nodes().list().getItems().stream().map(n -> n.getMetadata().getName()).sorted().toList();
        assertThat(all).hasSize(6); // the scenario's node-1..3 and ours

        List<String> paged = new ArrayList<>();
        String token = null;
        int pages = 0;
        do {
            NodeList page = client.nodes().list(new ListOptionsBuilder().withLimit(4L).withContinue(token).build());
            pages++;
            assertThat(page.getItems()).hasSizeLessThanOrEqualTo(4);
            page.getItems().forEach(n -> paged.add(n.getMetadata().getName()));
            token = page.getMetadata().getContinue();
            if (token != null) {
                assertThat(page.getMetadata().getRemainingItemCount()).isEqualTo(2L);
            }
        } while (token != null && !token.isEmpty());
        assertThat(pages).isEqualTo(2);
        assertThat(paged).isEqualTo(all);
    }

    @Test
    void aMalformedContinueTokenOrLimitIsABadRequest() {
        assertThatThrownBy(() -> client.nodes().list(new ListOptionsBuilder().withLimit(2L).withContinue("not-a-token").build()))
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(400))
                .hasMessageContaining("continue key is not valid");
        assertThatThrownBy(() -> client.nodes().list(new ListOptionsBuilder().withLimit(-1L).build()))
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(400));
    }

    @Test
    void anInformerWithALimitFillsItsCacheOverSeveralPages() throws Exception {
        long before = cluster.record().requestCounts().getOrDefault("LIST nodes", 0L);
        try (SharedIndexInformer<Node> informer = client.nodes().withLimit(2L).inform()) {
            informer.start().toCompletableFuture().get(20, TimeUnit.SECONDS);
            assertThat(informer.getStore().listKeys()).containsExactlyInAnyOrder("node-1", "node-2", "node-3");
        }
        assertThat(cluster.record().requestCounts().getOrDefault("LIST nodes", 0L) - before).isEqualTo(2L);
    }
}
