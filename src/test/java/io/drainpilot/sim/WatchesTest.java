package io.drainpilot.sim;

import io.drainpilot.kubevirt.VirtualMachine;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.names.Names;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** fabric8 watches and informers against the simulated API server behave as against a real one. */
class WatchesTest extends ClusterPerTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void aNodeInformerFollowsEveryChangeOnce() {
        Seen<Node> seen = new Seen<>();
        SharedIndexInformer<Node> informer = client.nodes().inform(seen);
        try {
            // the handler hears of the first list after inform() returns
            await().atMost(WAIT).until(() -> seen.events.size() >= 3);
            assertThat(seen.events).containsExactlyInAnyOrder("ADD node-1", "ADD node-2", "ADD node-3");
            seen.events.clear();

            label("node-1", "zone", "a");
            client.nodes().withName("node-3").delete();
            client.nodes().resource(node("node-4")).create();

            await().atMost(WAIT).until(() -> seen.events.size() >= 3);
            assertThat(seen.events).containsExactly("UPDATE node-1", "DELETE node-3", "ADD node-4");
            await().atMost(WAIT).until(() -> versions(informer.getStore().list()).equals(versions(client.nodes().list().getItems())));
            assertThat(informer.getStore().getByKey("node-1").getMetadata().getLabels()).containsEntry("zone", "a");
        } finally {
            informer.close();
        }
    }

    @Test
    void aVmiInformerInAnyNamespaceFollowsTheSimulatedKubeVirt() {
        Seen<VirtualMachineInstance> seen = new Seen<>();
        SharedIndexInformer<VirtualMachineInstance> informer = client.resources(VirtualMachineInstance.class)
                .inAnyNamespace().inform(seen);
        try {
            List<VirtualMachineInstance> vmis = client.resources(VirtualMachineInstance.class).inAnyNamespace().list().getItems();
            assertThat(vmis).hasSizeGreaterThan(1);
            await().atMost(WAIT).until(() -> seen.events.size() >= vmis.size());
            assertThat(seen.events).hasSize(vmis.size()).allMatch(e -> e.startsWith("ADD "));
            seen.events.clear();
            VirtualMachineInstance first = vmis.get(0);
            VirtualMachineInstance second = vmis.get(1);

            client.resources(VirtualMachineInstance.class).inNamespace(first.getMetadata().getNamespace())
                    .withName(first.getMetadata().getName()).edit(v -> {
                        v.getMetadata().getLabels().put("seen", "yes");
                        return v;
                    });
            // the VM's runStrategy is Always: once the deleted VMI's guest is off and it is gone, the simulated
            // KubeVirt starts a new one
            client.resource(second).delete();

            String restarted = "ADD " + second.getMetadata().getName();
            await().atMost(WAIT).until(() -> seen.events.contains(restarted));
            List<String> events = List.copyOf(seen.events);
            assertThat(events).startsWith("UPDATE " + first.getMetadata().getName(),
                    "UPDATE " + second.getMetadata().getName()); // deletionTimestamp set, the finalizer holds it
            assertThat(events.indexOf("DELETE " + second.getMetadata().getName())).isPositive()
                    .isLessThan(events.indexOf(restarted));
            await().atMost(WAIT).until(() -> versions(informer.getStore().list())
                    .equals(versions(client.resources(VirtualMachineInstance.class).inAnyNamespace().list().getItems())));
        } finally {
            informer.close();
        }
    }

    @Test
    void aSecretInformerSelectingThePlanTypeSeesOnlyPlanSecrets() {
        Seen<Secret> seen = new Seen<>();
        SharedIndexInformer<Secret> informer = client.secrets().inAnyNamespace()
                .withField("type", Names.RANCHER_PLAN_SECRET_TYPE).inform(seen);
        try {
            await().atMost(WAIT).until(() -> seen.events.size() >= 3);
            assertThat(seen.events).hasSize(3).allMatch(e -> e.startsWith("ADD ") && e.endsWith("-machine-plan"));
            seen.events.clear();

            client.secrets().inNamespace(Names.RANCHER_PLAN_NAMESPACE).resource(secret("not-a-plan", "Opaque")).create();
            client.secrets().inNamespace(Names.RANCHER_PLAN_NAMESPACE)
                    .resource(secret("new-machine-plan", Names.RANCHER_PLAN_SECRET_TYPE)).create();
            client.secrets().inNamespace(Names.RANCHER_PLAN_NAMESPACE).withName("new-machine-plan").edit(s -> {
                s.getMetadata().setAnnotations(Map.of("rke.cattle.io/pre-drain", "{}"));
                return s;
            });
            client.secrets().inNamespace(Names.RANCHER_PLAN_NAMESPACE).withName("not-a-plan").delete();
            client.secrets().inNamespace(Names.RANCHER_PLAN_NAMESPACE).withName("new-machine-plan").delete();

            await().atMost(WAIT).until(() -> seen.events.size() >= 3);
            assertThat(seen.events).containsExactly("ADD new-machine-plan", "UPDATE new-machine-plan",
                    "DELETE new-machine-plan");
            assertThat(informer.getStore().list()).hasSize(3)
                    .allMatch(s -> Names.RANCHER_PLAN_SECRET_TYPE.equals(s.getType()));
        } finally {
            informer.close();
        }
    }

    /** The server ends the watch; the client resumes from the last resourceVersion it saw: nothing is replayed. */
    @Test
    void aWatchTheServerEndsResumesWithoutReplay() {
        Seen<Node> informed = new Seen<>();
        Events<Node> raw = new Events<>();
        Tally tally = new Tally();
        SharedIndexInformer<Node> informer = tally.client.nodes().inform(informed);
        try (Watch watch = tally.client.nodes().watch(raw)) {
            await().atMost(WAIT).until(() -> raw.events.size() == 3 && cluster.watches().openWatches() == 2);

            assertThat(cluster.watches().endAllWatches()).isEqualTo(2);
            label("node-2", "zone", "b"); // while the watches are down, or just after they resumed

            // both resumed (a resume that failed under load and was tried again counts too)
            await().atMost(WAIT).until(() -> tally.count("WATCH nodes") >= 4 && cluster.watches().openWatches() == 2
                    && raw.events.size() >= 4);
            label("node-3", "zone", "c");
            await().atMost(WAIT).until(() -> raw.events.size() >= 5 && informed.events.size() >= 5);

            assertThat(raw.events).containsExactly("ADDED node-1", "ADDED node-2", "ADDED node-3",
                    "MODIFIED node-2", "MODIFIED node-3");
            assertThat(informed.events).containsExactlyInAnyOrder("ADD node-1", "ADD node-2", "ADD node-3",
                    "UPDATE node-2", "UPDATE node-3");
            assertThat(tally.count("LIST nodes")).isEqualTo(1); // no re-list
            assertThat(cluster.watches().watchesEndedByServer()).isEqualTo(2);
            assertThat(cluster.watches().expiredResumes()).isZero();
        } finally {
            informer.close();
            tally.close();
        }
    }

    /** A resume the history no longer covers gets 410 Gone: the informer lists again and ends with the cluster's state. */
    @Test
    void aResumeFromACompactedHistoryGets410AndTheInformerListsAgain() {
        Seen<Node> seen = new Seen<>();
        Tally tally = new Tally();
        SharedIndexInformer<Node> informer = tally.client.nodes().inform(seen);
        // hold the informer's reconnect until the changes are made and the history is gone
        RequestInterceptor holdNodeWatches = request -> request.getPath().startsWith("/api/v1/nodes?")
                && request.getPath().contains("watch=true")
                ? Optional.of(StatusResponses.failure(500, "InternalError", "held by the test"))
                : Optional.<MockResponse>empty();
        try {
            await().atMost(WAIT).until(() -> seen.events.size() >= 3);
            seen.events.clear();
            cluster.dispatcher().addInterceptor(holdNodeWatches);
            cluster.watches().endAllWatches();

            label("node-1", "zone", "a");
            client.nodes().withName("node-3").delete();
            client.nodes().resource(node("node-4")).create();
            cluster.watches().compactHistory();
            cluster.dispatcher().removeInterceptor(holdNodeWatches);

            await().atMost(WAIT).until(() -> versions(informer.getStore().list())
                    .equals(versions(client.nodes().list().getItems())) && seen.events.size() >= 3);
            assertThat(cluster.watches().expiredResumes()).isEqualTo(1);
            assertThat(tally.count("LIST nodes")).isEqualTo(2);
            assertThat(seen.events).containsExactlyInAnyOrder("UPDATE node-1", "DELETE node-3", "ADD node-4");
            assertThat(informer.getStore().getByKey("node-1").getMetadata().getLabels()).containsEntry("zone", "a");
        } finally {
            cluster.dispatcher().removeInterceptor(holdNodeWatches);
            informer.close();
            tally.close();
        }
    }

    @Test
    void aWatchFromAListsResourceVersionGetsExactlyTheChangesSince() {
        String listed = client.nodes().list().getMetadata().getResourceVersion();
        label("node-1", "zone", "a");
        client.nodes().resource(node("node-4")).create();
        client.nodes().withName("node-2").delete();
        label("node-4", "zone", "d");

        Events<Node> events = new Events<>();
        try (Watch watch = client.nodes().watch(new ListOptionsBuilder().withResourceVersion(listed).build(), events)) {
            await().atMost(WAIT).until(() -> events.events.size() >= 4);
            assertThat(events.events).containsExactly("MODIFIED node-1", "ADDED node-4", "DELETED node-2",
                    "MODIFIED node-4");
            assertThat(events.versions).isSorted().doesNotHaveDuplicates()
                    .allMatch(v -> v > Long.parseLong(listed));

            // from the last one, nothing but what comes next
            Events<Node> after = new Events<>();
            try (Watch second = client.nodes().watch(new ListOptionsBuilder()
                    .withResourceVersion(String.valueOf(events.versions.get(3))).build(), after)) {
                label("node-3", "zone", "c");
                await().atMost(WAIT).until(() -> !after.events.isEmpty() && events.events.size() >= 5);
                assertThat(after.events).containsExactly("MODIFIED node-3");
                assertThat(events.events).endsWith("MODIFIED node-3");
            }
        }
    }

    @Test
    void aWatchFromATooOldResourceVersionGetsOne410AndEnds() {
        String listed = client.nodes().list().getMetadata().getResourceVersion();
        label("node-1", "zone", "a");
        cluster.watches().compactHistory();

        Events<Node> events = new Events<>();
        client.nodes().watch(new ListOptionsBuilder().withResourceVersion(listed).build(), events);
        await().atMost(WAIT).until(() -> events.closed.get() != null);
        assertThat(events.closed.get().isHttpGone()).isTrue();
        assertThat(events.closed.get().getMessage()).contains("too old resource version: " + listed);
        assertThat(events.events).isEmpty();
        assertThat(cluster.watches().openWatches()).isZero();
        // a list gives a resourceVersion to start again from
        String again = client.nodes().list().getMetadata().getResourceVersion();
        assertThat(Long.parseLong(again)).isGreaterThan(Long.parseLong(listed));
        try (Watch watch = client.nodes().watch(new ListOptionsBuilder().withResourceVersion(again).build(), events)) {
            label("node-2", "zone", "b");
            await().atMost(WAIT).until(() -> events.events.contains("MODIFIED node-2"));
        }
    }

    @Test
    void theHistoryKeepsAFixedNumberOfChangesPerResource() {
        cluster.watches().historyPerResource(2);
        String listed = client.nodes().list().getMetadata().getResourceVersion();
        label("node-1", "zone", "a");
        String afterFirst = client.nodes().withName("node-1").get().getMetadata().getResourceVersion();
        label("node-2", "zone", "b");
        label("node-3", "zone", "c");
        client.configMaps().inNamespace("default").resource(new ConfigMapBuilder()
                .withNewMetadata().withName("other-resource").endMetadata().build()).create();

        Events<Node> tooOld = new Events<>();
        client.nodes().watch(new ListOptionsBuilder().withResourceVersion(listed).build(), tooOld);
        await().atMost(WAIT).until(() -> tooOld.closed.get() != null);
        assertThat(tooOld.closed.get().isHttpGone()).isTrue();

        Events<Node> held = new Events<>(); // the two newest node changes are still there
        try (Watch watch = client.nodes().watch(new ListOptionsBuilder().withResourceVersion(afterFirst).build(), held)) {
            await().atMost(WAIT).until(() -> held.events.size() >= 2);
            assertThat(held.events).containsExactly("MODIFIED node-2", "MODIFIED node-3");
        }
    }

    @Test
    void aWatchWithoutResourceVersionStartsWithTheCurrentObjects() {
        label("node-1", "zone", "a");
        Events<Node> events = new Events<>();
        try (Watch watch = client.nodes().withLabel("zone", "a").watch(events)) {
            await().atMost(WAIT).until(() -> !events.events.isEmpty());
            label("node-2", "zone", "a");
            await().atMost(WAIT).until(() -> events.events.size() >= 2);
            assertThat(events.events).containsExactly("ADDED node-1", "ADDED node-2");
        }
    }

    @Test
    void aWatchOfOneNamedObjectSeesOnlyThatObject() {
        Events<Node> events = new Events<>();
        try (Watch watch = client.nodes().withName("node-1").watch(events)) {
            await().atMost(WAIT).until(() -> !events.events.isEmpty());
            label("node-2", "zone", "b");
            label("node-1", "zone", "a");
            await().atMost(WAIT).until(() -> events.events.size() >= 2);
            assertThat(events.events).containsExactly("ADDED node-1", "MODIFIED node-1");
        }
    }

    /** Watch-list streaming needs a server feature this one does not have: it says so instead of leaving the client waiting. */
    @Test
    void aWatchAskingForInitialEventsIsRefused() throws Exception {
        var response = client.getHttpClient().sendAsync(client.getHttpClient().newHttpRequestBuilder()
                .uri(cluster.masterUrl() + "api/v1/nodes?watch=true&sendInitialEvents=true"
                        + "&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true").build(), String.class).get();
        assertThat(response.code()).isEqualTo(422);
        assertThat(response.body()).contains("sendInitialEvents is forbidden for watch");
    }

    /** Each write path is one event with a new resourceVersion; a write that changes nothing is none. */
    @Test
    void everyKindOfWriteIsExactlyOneEvent() throws Exception {
        cluster.simulator().stop(); // only this test's writes
        String listed = client.resources(VirtualMachine.class).inNamespace("default").list().getMetadata()
                .getResourceVersion();
        Events<VirtualMachine> events = new Events<>();
        try (Watch watch = client.resources(VirtualMachine.class).inNamespace("default")
                .watch(new ListOptionsBuilder().withResourceVersion(listed).build(), events)) {
            var vms = client.resources(VirtualMachine.class).inNamespace("default");
            VirtualMachine vm = new VirtualMachine();
            vm.getMetadata().setName("probe");
            vm.setSpec(new VirtualMachine.Spec());
            vm.getSpec().runStrategy = VirtualMachine.ALWAYS;
            VirtualMachine created = vms.resource(vm).create();
            created.getMetadata().setLabels(Map.of("via", "put"));
            VirtualMachine updated = vms.resource(created).update();
            vms.resource(updated).update(); // changes nothing
            vms.withName("probe").edit(v -> {
                v.getMetadata().getLabels().put("via", "json-patch");
                return v;
            });
            vms.withName("probe").patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"labels\":{\"via\":\"merge\"}}}");
            VirtualMachine current = vms.withName("probe").get();
            current.setStatus(new VirtualMachine.Status());
            current.getStatus().printableStatus = "Running";
            vms.resource(current).updateStatus();
            assertThat(client.getHttpClient().sendAsync(client.getHttpClient().newHttpRequestBuilder()
                    .uri(cluster.masterUrl() + "apis/subresources.kubevirt.io/v1/namespaces/default/virtualmachines/probe/stop")
                    .put("application/json", "").build(), String.class).get().code()).isEqualTo(202);
            vms.withName("probe").delete();

            await().atMost(WAIT).until(() -> events.events.contains("DELETED probe"));
            assertThat(events.events).containsExactly("ADDED probe", "MODIFIED probe", "MODIFIED probe",
                    "MODIFIED probe", "MODIFIED probe", "MODIFIED probe", "DELETED probe");
            assertThat(events.versions).isSorted().doesNotHaveDuplicates();
        }
    }

    /** Watches the server ends now and then (seconds here, minutes in a real cluster) leave the informer in sync. */
    @Test
    void anInformerStaysInSyncWhileTheServerKeepsEndingItsWatch() {
        cluster.watches().endWatchesAfter(Duration.ofMillis(200), Duration.ofMillis(400));
        Seen<Node> seen = new Seen<>();
        Tally tally = new Tally();
        SharedIndexInformer<Node> informer = tally.client.nodes().inform(seen);
        try {
            for (int i = 0; i < 5; i++) {
                label("node-1", "round", String.valueOf(i));
                long ended = cluster.watches().watchesEndedByServer();
                await().atMost(WAIT).until(() -> cluster.watches().watchesEndedByServer() > ended);
            }
            await().atMost(WAIT).until(() -> "4".equals(informer.getStore().getByKey("node-1").getMetadata()
                    .getLabels().get("round")));
            await().atMost(WAIT).until(() -> seen.events.stream().filter(e -> e.equals("UPDATE node-1")).count() >= 5);
            assertThat(seen.events.stream().filter(e -> e.equals("UPDATE node-1"))).hasSize(5);
            assertThat(seen.events.stream().filter(e -> e.startsWith("ADD "))).hasSize(3);
            assertThat(tally.count("LIST nodes")).isEqualTo(1);
            assertThat(tally.count("WATCH nodes")).isGreaterThanOrEqualTo(5);
        } finally {
            informer.close();
            tally.close();
            cluster.watches().endWatchesLikeARealServer();
        }
    }

    /** fabric8's {@code onlyHttpWatches}: each watch request is answered with what is there and ended at once. */
    @Test
    void anInformerOverPlainHttpWatchesStaysInSync() {
        Config config = new ConfigBuilder(Config.empty()).withMasterUrl(cluster.masterUrl()).withNamespace("default")
                .withOnlyHttpWatches(true).withWatchReconnectInterval(50).withRequestRetryBackoffLimit(0).build();
        try (KubernetesClient http = new KubernetesClientBuilder().withConfig(config).build()) {
            Seen<Node> seen = new Seen<>();
            SharedIndexInformer<Node> informer = http.nodes().inform(seen);
            try {
                label("node-1", "zone", "a");
                client.nodes().withName("node-2").delete();
                await().atMost(WAIT).until(() -> versions(informer.getStore().list())
                        .equals(versions(client.nodes().list().getItems())) && seen.events.size() >= 5);
                assertThat(seen.events).containsExactly("ADD node-1", "ADD node-2", "ADD node-3", "UPDATE node-1",
                        "DELETE node-2");
            } finally {
                informer.close();
            }
        }
    }

    private void label(String node, String key, String value) {
        client.nodes().withName(node).edit(n -> new NodeBuilder(n).editMetadata().addToLabels(key, value)
                .endMetadata().build());
    }

    private static Node node(String name) {
        return new NodeBuilder().withNewMetadata().withName(name).endMetadata().build();
    }

    private static Secret secret(String name, String type) {
        return new SecretBuilder().withNewMetadata().withName(name).withNamespace(Names.RANCHER_PLAN_NAMESPACE)
                .endMetadata().withType(type).build();
    }

    private static Map<String, String> versions(List<? extends HasMetadata> objects) {
        return objects.stream().collect(Collectors.toMap(o -> o.getMetadata().getNamespace() + "/"
                + o.getMetadata().getName(), o -> o.getMetadata().getResourceVersion(), (a, b) -> a, TreeMap::new));
    }

    /** A client of its own, and the lists and watches it sent. */
    private final class Tally implements RequestInterceptor, AutoCloseable {
        private static final String USER_AGENT = "watching-test";
        final KubernetesClient client;
        private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();

        Tally() {
            client = new KubernetesClientBuilder().withConfig(new ConfigBuilder(Config.empty())
                    .withMasterUrl(cluster.masterUrl()).withNamespace("default").withUserAgent(USER_AGENT)
                    .withRequestRetryBackoffLimit(0).build()).build();
            cluster.dispatcher().addInterceptor(this);
        }

        @Override
        public Optional<MockResponse> intercept(RecordedRequest request) {
            if (USER_AGENT.equals(request.getHeader("User-Agent"))) {
                ApiPath path = ApiPath.parse(request.getPath());
                String verb = path.isWatch() ? "WATCH" : path.name() == null ? "LIST" : request.getMethod();
                counts.computeIfAbsent(verb + " " + path.kind(), k -> new AtomicLong()).incrementAndGet();
            }
            return Optional.empty();
        }

        long count(String verbAndKind) {
            AtomicLong n = counts.get(verbAndKind);
            return n == null ? 0 : n.get();
        }

        @Override
        public void close() {
            cluster.dispatcher().removeInterceptor(this);
            client.close();
        }
    }

    /** What an informer's handler was told, in order. */
    static final class Seen<T extends HasMetadata> implements ResourceEventHandler<T> {
        final List<String> events = new CopyOnWriteArrayList<>();

        @Override
        public void onAdd(T obj) {
            events.add("ADD " + obj.getMetadata().getName());
        }

        @Override
        public void onUpdate(T oldObj, T newObj) {
            events.add("UPDATE " + newObj.getMetadata().getName());
        }

        @Override
        public void onDelete(T obj, boolean deletedFinalStateUnknown) {
            events.add("DELETE " + obj.getMetadata().getName());
        }
    }

    /** What a plain watch received, in order, with each event's resourceVersion. */
    static final class Events<T extends HasMetadata> implements Watcher<T> {
        final List<String> events = new CopyOnWriteArrayList<>();
        final List<Long> versions = new CopyOnWriteArrayList<>();
        final AtomicReference<WatcherException> closed = new AtomicReference<>();

        @Override
        public void eventReceived(Action action, T resource) {
            events.add(action + " " + resource.getMetadata().getName());
            versions.add(Long.parseLong(resource.getMetadata().getResourceVersion()));
        }

        @Override
        public void onClose(WatcherException cause) {
            closed.set(cause);
        }
    }
}
