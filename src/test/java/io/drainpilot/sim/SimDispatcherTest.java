package io.drainpilot.sim;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.mockwebserver.http.MockResponse;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SimDispatcherTest {

    @Test
    void countsTheCallersRequestsByMethodAndKindButNotTheSimulators() {
        try (SimulatedCluster cluster = SimulatedCluster.start(Scenarios.harvesterTwoNode(), SimSettings.forTests());
             KubernetesClient client = cluster.newClient()) {
            client.nodes().list();
            client.nodes().withName("node-1").get();
            SimTestSupport.migrate(client, "default", "m1", "app-host-model");

            assertThat(cluster.record().requestCounts())
                    .containsEntry("LIST nodes", 1L)
                    .containsEntry("GET nodes", 1L)
                    .containsEntry("POST virtualmachineinstancemigrations", 1L)
                    .hasSize(3);
            assertThat(cluster.record().totalRequests()).isEqualTo(3);
            assertThat(cluster.record().serverNanos()).isPositive();
        }
    }

    /** A long demo or benchmark must not keep every request it served (the mock web server would, by default). */
    @Test
    void theServerDoesNotHoardTheRequestsItServed() throws InterruptedException {
        try (SimulatedCluster cluster = SimulatedCluster.start(Scenarios.harvesterTwoNode(), SimSettings.forTests());
             KubernetesClient client = cluster.newClient()) {
            for (int i = 0; i < 200; i++) {
                client.nodes().withName("node-1").get();
            }
            int held = 0;
            while (cluster.webServer().takeRequest(0, java.util.concurrent.TimeUnit.NANOSECONDS) != null) {
                held++;
            }
            assertThat(cluster.webServer().getRequestCount()).isGreaterThanOrEqualTo(200);
            assertThat(held).as("requests still held by the web server").isLessThanOrEqualTo(2);
        }
    }

    @Test
    void anInterceptorCanAnswerInsteadOfTheServer() {
        try (SimulatedCluster cluster = SimulatedCluster.start(Scenarios.harvesterTwoNode(), SimSettings.forTests());
             KubernetesClient client = cluster.newClient()) {
            RequestInterceptor unavailable = request -> request.getPath().startsWith("/api/v1/nodes")
                    ? Optional.of(StatusResponses.failure(503, "ServiceUnavailable", "etcd is down"))
                    : Optional.<MockResponse>empty();
            cluster.dispatcher().addInterceptor(unavailable);

            assertThatThrownBy(() -> client.nodes().list())
                    .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(503));

            cluster.dispatcher().removeInterceptor(unavailable);
            assertThat(client.nodes().list().getItems()).hasSize(2);
        }
    }

    @Test
    void apiPathsAreTakenApart() {
        ApiPath vmStop = ApiPath.parse("/apis/subresources.kubevirt.io/v1/namespaces/ns/virtualmachines/vm/stop");
        assertThat(vmStop.group()).isEqualTo("subresources.kubevirt.io");
        assertThat(vmStop.namespace()).isEqualTo("ns");
        assertThat(vmStop.kind()).isEqualTo("virtualmachines/stop");
        assertThat(ApiPath.parse("/api/v1/namespaces/default").kind()).isEqualTo("namespaces");
        ApiPath watch = ApiPath.parse("/api/v1/nodes?labelSelector=a%3Db&watch=true");
        assertThat(watch.isWatch()).isTrue();
        assertThat(watch.query()).containsEntry("labelSelector", "a=b");
    }

    @Test
    void aJsonPatchWhoseTestFailsGets422LikeARealApiServer() {
        try (SimulatedCluster cluster = SimulatedCluster.start(Scenarios.harvesterTwoNode(), SimSettings.forTests());
             KubernetesClient client = cluster.newClient()) {
            String stale = "[{\"op\":\"test\",\"path\":\"/metadata/resourceVersion\",\"value\":\"1\"},"
                    + "{\"op\":\"add\",\"path\":\"/metadata/annotations\",\"value\":{\"a\":\"b\"}}]";
            assertThatThrownBy(() -> client.nodes().withName("node-1")
                    .patch(io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                            io.fabric8.kubernetes.client.dsl.base.PatchType.JSON), stale))
                    .isInstanceOfSatisfying(io.fabric8.kubernetes.client.KubernetesClientException.class,
                            e -> assertThat(e.getCode()).isEqualTo(422));
            assertThat(client.nodes().withName("node-1").get().getMetadata().getAnnotations()).doesNotContainKey("a");
        }
    }

    /** As a real API server: a label value longer than 63 characters is refused (422 Invalid), on create and patch. */
    @Test
    void aLabelValueLongerThan63CharactersIsRefused() {
        try (SimulatedCluster cluster = SimulatedCluster.start(Scenarios.harvesterTwoNode(), SimSettings.forTests());
             KubernetesClient client = cluster.newClient()) {
            String tooLong = "n".repeat(64);
            io.fabric8.kubernetes.api.model.ConfigMap cm = new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
                    .withNewMetadata().withName("labelled").withNamespace("default").addToLabels("node", tooLong)
                    .endMetadata().build();
            assertThatThrownBy(() -> client.configMaps().resource(cm).create())
                    .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
                        assertThat(e.getCode()).isEqualTo(422);
                        assertThat(e.getStatus().getMessage()).contains("metadata.labels: Invalid value: \"" + tooLong
                                + "\": must be no more than 63 characters");
                    });
            assertThatThrownBy(() -> client.nodes().withName("node-1").edit(n -> {
                n.getMetadata().getLabels().put("x", "-bad");
                return n;
            })).isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(422));
            cm.getMetadata().getLabels().put("node", "n".repeat(63));
            assertThat(client.configMaps().resource(cm).create().getMetadata().getLabels()).containsKey("node");
        }
    }
}
