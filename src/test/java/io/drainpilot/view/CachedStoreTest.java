package io.drainpilot.view;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class CachedStoreTest {
    private final CachedStore<Node> store = new CachedStore<>(n -> n,
            Map.of("zone", n -> n.getMetadata().getLabels() == null || n.getMetadata().getLabels().get("zone") == null
                    ? List.of() : List.of(n.getMetadata().getLabels().get("zone"))));

    @Test
    void aLateEventOfAnOlderVersionDoesNotReplaceANewerOne() {
        store.put("n1", node("n1", "uid-1", "10", "a"));
        Node returned = store.put("n1", node("n1", "uid-1", "9", "b"));
        assertThat(returned.getMetadata().getResourceVersion()).isEqualTo("10");
        assertThat(store.get("n1").getMetadata().getResourceVersion()).isEqualTo("10");
        assertThat(store.byIndex("zone", "a")).hasSize(1);
        assertThat(store.byIndex("zone", "b")).isEmpty();
    }

    @Test
    void ourOwnWriteIsSeenAtOnceAndItsWatchEventChangesNothing() {
        store.put("n1", node("n1", "uid-1", "10", "a"));
        store.assume(node("n1", "uid-1", "12", "b"));
        assertThat(store.byIndex("zone", "b")).extracting(n -> n.getMetadata().getResourceVersion()).containsExactly("12");
        // the watch then reports the change in between, and our own
        store.put("n1", node("n1", "uid-1", "11", "c"));
        Node before = store.put("n1", node("n1", "uid-1", "12", "b"));
        assertThat(before.getMetadata().getResourceVersion()).isEqualTo("12"); // same version: no update notification
        assertThat(store.byIndex("zone", "b")).hasSize(1);
        assertThat(store.byIndex("zone", "c")).isEmpty();
    }

    @Test
    void aLateEventDoesNotBringBackWhatWasRemovedSince() {
        store.put("n1", node("n1", "uid-1", "10", "a"));
        store.remove("n1");
        assertThat(store.put("n1", node("n1", "uid-1", "9", "a"))).isNull();
        assertThat(store.get("n1")).isNull();
        store.put("n1", node("n1", "uid-1", "11", "b")); // a newer version does come back
        assertThat(store.get("n1").getMetadata().getResourceVersion()).isEqualTo("11");
    }

    @Test
    void anObjectCreatedAgainReplacesTheOldOneWhateverItsVersion() {
        store.put("n1", node("n1", "uid-1", "50", "a"));
        store.put("n1", node("n1", "uid-2", "7", "b"));
        assertThat(store.get("n1").getMetadata().getUid()).isEqualTo("uid-2");
    }

    @Test
    void removingDropsItFromItsIndexes() {
        store.put("n1", node("n1", "uid-1", "1", "a"));
        store.put("n2", node("n2", "uid-2", "2", "a"));
        store.remove("n1");
        assertThat(store.byIndex("zone", "a")).extracting(n -> n.getMetadata().getName()).containsExactly("n2");
        store.remove("n2");
        assertThat(store.indexValues("zone")).isEmpty();
    }

    @Test
    void keysAreNamespaceSlashNameOrTheNameAlone() {
        assertThat(store.getKey(node("n1", "u", "1", "a"))).isEqualTo("n1");
        assertThat(CachedStore.keyOf("default", "vm")).isEqualTo("default/vm");
    }

    private static Node node(String name, String uid, String rv, String zone) {
        return new NodeBuilder().withNewMetadata().withName(name).withUid(uid).withResourceVersion(rv)
                .addToLabels("zone", zone).endMetadata().build();
    }
}
