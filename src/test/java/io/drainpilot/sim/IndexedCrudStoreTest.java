package io.drainpilot.sim;

import io.drainpilot.kubevirt.VirtualMachine;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.Dispatcher;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The indexed store must answer exactly as fabric8's plain CRUD store does, only faster. */
class IndexedCrudStoreTest {
    private static final List<CustomResourceDefinitionContext> CRDS = List.of(
            CustomResourceDefinitionContext.fromCustomResourceType(VirtualMachine.class),
            CustomResourceDefinitionContext.fromCustomResourceType(VirtualMachineInstance.class));

    @Test
    void findsWhatWasWrittenAndNothingElse() {
        try (Server server = new Server(new IndexedCrudStore(CRDS))) {
            KubernetesClient kube = server.client;
            kube.configMaps().inNamespace("a").resource(configMap("a", "same", "x")).create();
            kube.configMaps().inNamespace("b").resource(configMap("b", "same", "y")).create();
            kube.resource(vm("a", "same")).create();

            assertThat(kube.configMaps().inNamespace("a").withName("same").get().getData()).containsEntry("v", "x");
            assertThat(kube.configMaps().inNamespace("b").withName("same").get().getData()).containsEntry("v", "y");
            assertThat(kube.resources(VirtualMachine.class).inNamespace("a").withName("same").get()).isNotNull();
            assertThat(kube.resources(VirtualMachineInstance.class).inNamespace("a").withName("same").get()).isNull();
            assertThat(kube.configMaps().inNamespace("c").withName("same").get()).isNull();

            assertThatThrownBy(() -> kube.configMaps().inNamespace("a").resource(configMap("a", "same", "z")).create())
                    .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));
        }
    }

    @Test
    void followsAnObjectThroughLabelChangesUpdatesAndDeletion() {
        try (Server server = new Server(new IndexedCrudStore(CRDS))) {
            KubernetesClient kube = server.client;
            kube.nodes().resource(new NodeBuilder().withNewMetadata().withName("n1").addToLabels("zone", "a")
                    .endMetadata().build()).create();
            kube.nodes().withName("n1").edit(n -> new NodeBuilder(n).editMetadata().addToLabels("zone", "b")
                    .endMetadata().build());

            assertThat(kube.nodes().withName("n1").get().getMetadata().getLabels()).containsEntry("zone", "b");
            assertThat(kube.nodes().withLabel("zone", "a").list().getItems()).isEmpty();
            assertThat(kube.nodes().withLabel("zone", "b").list().getItems()).hasSize(1);

            var stale = kube.nodes().withName("n1").get();
            kube.nodes().withName("n1").edit(n -> new NodeBuilder(n).editMetadata().addToLabels("k", "v").endMetadata().build());
            assertThatThrownBy(() -> kube.nodes().resource(stale).update())
                    .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));

            kube.nodes().withName("n1").delete();
            assertThat(kube.nodes().withName("n1").get()).isNull();
            kube.nodes().resource(new NodeBuilder().withNewMetadata().withName("n1").endMetadata().build()).create();
            assertThat(kube.nodes().withName("n1").get().getMetadata().getLabels()).isNullOrEmpty();
        }
    }

    /**
     * A seeded sequence of creates, edits and deletes; both stores must end with the same objects. Resource versions
     * differ once something was deleted (the indexed store gives a deletion a resourceVersion of its own, as etcd
     * does): they must only grow with every write.
     */
    @Test
    void answersLikeThePlainStoreOverARandomHistory() {
        try (Server plain = new Server(new KubernetesCrudDispatcher(CRDS));
             Server indexed = new Server(new IndexedCrudStore(CRDS))) {
            Random random = new Random(7);
            long lastWritten = 0;
            for (int i = 0; i < 300; i++) {
                String ns = "ns-" + random.nextInt(3);
                String name = "o-" + random.nextInt(20);
                int op = random.nextInt(4);
                String value = "v" + i;
                String answer = apply(indexed.client, op, ns, name, value);
                assertThat(withoutVersion(answer)).as("operation %d (%d on %s/%s)", i, op, ns, name)
                        .isEqualTo(withoutVersion(apply(plain.client, op, ns, name, value)));
                if (op <= 1 && answer.contains(" rv ")) {
                    long written = Long.parseLong(answer.replaceAll(".* rv (\\d+) .*", "$1"));
                    assertThat(written).as("resourceVersion of operation %d", i).isGreaterThan(lastWritten);
                    lastWritten = written;
                }
            }
            Function<KubernetesClient, List<String>> everything = kube -> {
                List<String> all = new ArrayList<>();
                kube.configMaps().inAnyNamespace().list().getItems()
                        .forEach(c -> all.add(withoutVersion(describe(c)) + c.getData()));
                return all.stream().sorted().toList();
            };
            assertThat(everything.apply(indexed.client)).isNotEmpty().isEqualTo(everything.apply(plain.client));
        }
    }

    private static String withoutVersion(String description) {
        return description.replaceAll(" rv \\d+ ", " ");
    }

    private static String apply(KubernetesClient kube, int op, String ns, String name, String value) {
        try {
            var resource = kube.configMaps().inNamespace(ns).withName(name);
            return switch (op) {
                case 0 -> describe(kube.configMaps().inNamespace(ns).resource(configMap(ns, name, value)).create());
                case 1 -> describe(resource.edit(c -> new ConfigMapBuilder(c).addToData("v", value)
                        .editMetadata().addToLabels("l", value).endMetadata().build()));
                case 2 -> String.valueOf(resource.delete().size());
                default -> {
                    ConfigMap c = resource.get();
                    yield c == null ? "absent" : describe(c) + c.getData();
                }
            };
        } catch (KubernetesClientException e) {
            return "HTTP " + e.getCode();
        }
    }

    private static String describe(HasMetadata o) {
        return o.getMetadata().getNamespace() + "/" + o.getMetadata().getName() + " rv " + o.getMetadata().getResourceVersion()
                + " labels " + o.getMetadata().getLabels();
    }

    private static ConfigMap configMap(String ns, String name, String value) {
        return new ConfigMapBuilder().withNewMetadata().withNamespace(ns).withName(name).endMetadata()
                .addToData("v", value).build();
    }

    private static VirtualMachine vm(String ns, String name) {
        VirtualMachine vm = new VirtualMachine();
        vm.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withNamespace(ns).withName(name).build());
        return vm;
    }

    private static final class Server implements AutoCloseable {
        final KubernetesMockServer server;
        final KubernetesClient client;

        Server(Dispatcher store) {
            server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), store, false);
            server.init();
            Config config = new ConfigBuilder(Config.empty()).withMasterUrl("http://" + server.getHostName() + ":"
                    + server.getPort() + "/").withNamespace("default").withRequestRetryBackoffLimit(0).build();
            client = new KubernetesClientBuilder().withConfig(config).build();
        }

        @Override
        public void close() {
            client.close();
            server.destroy();
        }
    }
}
