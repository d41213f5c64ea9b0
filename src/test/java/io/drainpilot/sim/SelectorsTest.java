package io.drainpilot.sim;

import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.names.Names;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import org.assertj.core.api.ThrowableAssert;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Label and field selectors on lists, watches and collection deletes, as a real API server applies them. */
class SelectorsTest extends ClusterPerTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void setBasedLabelSelectorsFilterLists() {
        label("node-1", "tier", "gold");
        label("node-2", "tier", "silver");

        assertThat(names(client.nodes().withLabelIn("tier", "gold", "bronze").list().getItems())).containsExactly("node-1");
        assertThat(names(client.nodes().withLabelNotIn("tier", "gold").list().getItems()))
                .containsExactlyInAnyOrder("node-2", "node-3"); // notin also selects nodes without the label
        assertThat(names(client.nodes().withLabel("tier").list().getItems())).containsExactlyInAnyOrder("node-1", "node-2");
        assertThat(names(client.nodes().withoutLabel("tier").list().getItems())).containsExactly("node-3");
        assertThat(names(client.nodes().withLabelSelector("tier in (gold, silver), tier != silver").list().getItems()))
                .containsExactly("node-1");
        assertThat(names(client.nodes().withLabelSelector("tier notin (gold,silver),!tier").list().getItems()))
                .containsExactly("node-3");
    }

    @Test
    void setBasedLabelSelectorsFilterWatches() {
        label("node-1", "tier", "gold");
        Seen<Node> seen = new Seen<>();
        try (Watch watch = client.nodes().withLabelIn("tier", "gold", "silver").watch(seen)) {
            await().atMost(WAIT).until(() -> !seen.events.isEmpty());
            label("node-2", "tier", "silver"); // enters the selection
            label("node-3", "tier", "bronze"); // stays outside
            label("node-1", "tier", "bronze"); // leaves it
            label("node-2", "zone", "b"); // changes inside it
            await().atMost(WAIT).until(() -> seen.events.size() >= 4);
            assertThat(seen.events).containsExactly("ADDED node-1", "ADDED node-2", "DELETED node-1", "MODIFIED node-2");
        }
    }

    @Test
    void secretsSelectByType() {
        client.secrets().inNamespace(Names.RANCHER_PLAN_NAMESPACE).resource(new SecretBuilder().withNewMetadata()
                .withName("plain").endMetadata().build()).create(); // no type: the server's default, Opaque

        assertThat(client.secrets().inAnyNamespace().withField("type", Names.RANCHER_PLAN_SECRET_TYPE).list().getItems())
                .hasSize(3).allMatch(s -> s.getMetadata().getName().endsWith("-machine-plan"));
        assertThat(names(client.secrets().inAnyNamespace().withoutField("type", Names.RANCHER_PLAN_SECRET_TYPE)
                .list().getItems())).containsExactly("plain");
        assertThat(names(client.secrets().inNamespace(Names.RANCHER_PLAN_NAMESPACE).withField("type", "Opaque")
                .list().getItems())).containsExactly("plain");
        assertThat(client.secrets().inNamespace("elsewhere").withField("type", Names.RANCHER_PLAN_SECRET_TYPE)
                .list().getItems()).isEmpty();
    }

    @Test
    void podsSelectByNodeAndPhase() {
        pod("on-1-running", "node-1", "Running");
        pod("on-1-pending", "node-1", null);
        pod("on-2-running", "node-2", "Running");

        assertThat(names(client.pods().inNamespace(PODS).withField("spec.nodeName", "node-1").list().getItems()))
                .containsExactly("on-1-running", "on-1-pending");
        assertThat(names(client.pods().inNamespace(PODS).withField("spec.nodeName", "node-1")
                .withField("status.phase", "Running").list().getItems())).containsExactly("on-1-running");
        assertThat(names(client.pods().inNamespace(PODS).withField("status.phase", "Pending").list().getItems()))
                .containsExactly("on-1-pending");
        assertThat(names(client.pods().inNamespace(PODS).withoutField("spec.nodeName", "node-1").list().getItems()))
                .containsExactly("on-2-running");
    }

    @Test
    void eventsSelectByInvolvedObjectAndReason() {
        event("e1", "node-1", "Node", "EvacuationStarted");
        event("e2", "node-2", "Node", "EvacuationStarted");
        event("e3", "node-1", "Node", "EvacuationCompleted");

        assertThat(names(client.v1().events().inNamespace("default").withField("involvedObject.name", "node-1")
                .list().getItems())).containsExactly("e1", "e3");
        assertThat(names(client.v1().events().inNamespace("default").withField("reason", "EvacuationStarted")
                .list().getItems())).containsExactly("e1", "e2");
        assertThat(names(client.v1().events().inNamespace("default").withInvolvedObject(new ObjectReferenceBuilder()
                .withKind("Node").withName("node-2").build()).list().getItems())).containsExactly("e2");
    }

    @Test
    void fieldSelectorsWorkOnWatchesToo() {
        Seen<Pod> seen = new Seen<>();
        try (Watch watch = client.pods().inNamespace(PODS).withField("spec.nodeName", "node-2").watch(seen)) {
            pod("on-1", "node-1", "Running");
            pod("on-2", "node-2", "Running");
            await().atMost(WAIT).until(() -> !seen.events.isEmpty());
            pod("on-2-too", "node-2", null);
            await().atMost(WAIT).until(() -> seen.events.size() >= 2);
            assertThat(seen.events).containsExactly("ADDED on-2", "ADDED on-2-too");
        }
    }

    @Test
    void customResourcesSelectByNameAndNamespaceOnly() {
        VirtualMachineInstance any = client.resources(VirtualMachineInstance.class).inAnyNamespace().list().getItems().get(0);
        assertThat(names(client.resources(VirtualMachineInstance.class).inAnyNamespace()
                .withField("metadata.name", any.getMetadata().getName()).list().getItems()))
                .containsExactly(any.getMetadata().getName());

        badRequest(() -> client.resources(VirtualMachineInstance.class).inAnyNamespace()
                .withField("status.nodeName", "node-1").list(), "field label not supported: status.nodeName");
        badRequest(() -> client.resources(VirtualMachineInstance.class).inAnyNamespace()
                .withField("status.nodeName", "node-1").watch(new Seen<>()), null);
    }

    @Test
    void unsupportedFieldSelectorsOnBuiltInKindsAreRefused() {
        badRequest(() -> client.configMaps().inNamespace("default").withField("data.key", "v").list(),
                "\"data.key\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"");
        badRequest(() -> client.nodes().withField("metadata.namespace", "default").list(),
                "field label not supported: metadata.namespace");
        badRequest(() -> client.secrets().inNamespace("default").withField("data", "x").list(),
                "field label not supported: data");
        badRequest(() -> client.nodes().withLabelSelector("tier in ()").list(), "values set can't be empty");
        badRequest(() -> client.nodes().withLabelSelector("tier in (gold").list(), "expected");
        assertThat(names(client.nodes().withField("spec.unschedulable", "false").list().getItems()))
                .containsExactly("node-1", "node-2", "node-3");
    }

    @Test
    void aCollectionDeleteRemovesOnlyWhatItsSelectorSelects() {
        for (String tier : List.of("gold", "silver", "bronze")) {
            client.configMaps().inNamespace("default").resource(new ConfigMapBuilder().withNewMetadata()
                    .withName(tier).addToLabels("tier", tier).endMetadata().build()).create();
        }
        assertThat(client.configMaps().inNamespace("default").withLabelIn("tier", "gold", "silver").delete()).hasSize(2);
        assertThat(names(client.configMaps().inNamespace("default").list().getItems())).containsExactly("bronze");
    }

    private void badRequest(ThrowableAssert.ThrowingCallable call, String message) {
        assertThatThrownBy(call).isInstanceOfSatisfying(KubernetesClientException.class, e -> {
            assertThat(e.getCode()).isEqualTo(400);
            if (message != null) {
                assertThat(e.getMessage()).contains(message);
            }
        });
    }

    private void label(String node, String key, String value) {
        client.nodes().withName(node).edit(n -> new NodeBuilder(n).editMetadata().addToLabels(key, value)
                .endMetadata().build());
    }

    /** Away from the simulated KubeVirt's own virt-launcher pods. */
    private static final String PODS = "selectors";

    private void pod(String name, String node, String phase) {
        PodBuilder pod = new PodBuilder().withNewMetadata().withName(name).endMetadata().withNewSpec()
                .withNodeName(node).endSpec();
        if (phase != null) {
            pod.withNewStatus().withPhase(phase).endStatus();
        }
        client.pods().inNamespace(PODS).resource(pod.build()).create();
    }

    private void event(String name, String node, String kind, String reason) {
        client.v1().events().inNamespace("default").resource(new EventBuilder().withNewMetadata().withName(name)
                .endMetadata().withNewInvolvedObject().withKind(kind).withName(node).endInvolvedObject()
                .withReason(reason).withType("Normal").build()).create();
    }

    private static List<String> names(List<? extends HasMetadata> objects) {
        return objects.stream().map(o -> o.getMetadata().getName()).toList();
    }

    private static final class Seen<T extends HasMetadata> implements Watcher<T> {
        final List<String> events = new CopyOnWriteArrayList<>();

        @Override
        public void eventReceived(Action action, T resource) {
            events.add(action + " " + resource.getMetadata().getName());
        }

        @Override
        public void onClose(WatcherException cause) {
        }
    }
}
