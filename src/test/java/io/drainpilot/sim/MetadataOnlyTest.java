package io.drainpilot.sim;

import io.drainpilot.kubevirt.ClusterApi;
import io.drainpilot.names.Names;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Lists and watches asking for {@code PartialObjectMetadata} get metadata only, as from a real API server; DrainPilot's
 * plan Secret informer asks for it, so no plan's data ever reaches DrainPilot.
 */
class MetadataOnlyTest extends ClusterPerTest {

    @Test
    void thePlanSecretInformerReceivesMetadataOnlyFromTheListAndTheWatch() throws Exception {
        ClusterApi api = new ClusterApi(client);
        BasicItemStore<Secret> store = new BasicItemStore<>(Cache::metaNamespaceKeyFunc);
        try (SharedIndexInformer<Secret> informer = api.planSecretInformer(Names.RANCHER_PLAN_NAMESPACE,
                Names.RANCHER_PLAN_SECRET_TYPE, store)) {
            informer.start().toCompletableFuture().get(20, TimeUnit.SECONDS);
            assertThat(store.values().toList()).isNotEmpty().allSatisfy(s -> {
                assertThat(s.getData()).as("data of %s", s.getMetadata().getName()).isNullOrEmpty();
                assertThat(s.getMetadata().getLabels()).containsKey(Names.RANCHER_MACHINE_NAME_LABEL);
            });
            // the same Secrets read whole do hold a plan
            assertThat(client.secrets().inNamespace(Names.RANCHER_PLAN_NAMESPACE).list().getItems())
                    .anyMatch(s -> s.getData() != null && !s.getData().isEmpty());

            client.secrets().inNamespace(Names.RANCHER_PLAN_NAMESPACE).resource(new SecretBuilder().withNewMetadata()
                    .withName("new-plan").withNamespace(Names.RANCHER_PLAN_NAMESPACE)
                    .withLabels(Map.of(Names.RANCHER_MACHINE_NAME_LABEL, "m-new")).endMetadata()
                    .withType(Names.RANCHER_PLAN_SECRET_TYPE).withData(Map.of("plan", "c2VjcmV0")).build()).create();
            await().atMost(Duration.ofSeconds(20)).until(() -> store.get(Names.RANCHER_PLAN_NAMESPACE + "/new-plan") != null);
            assertThat(store.get(Names.RANCHER_PLAN_NAMESPACE + "/new-plan").getData()).isNullOrEmpty();

            // answering the hook: the patch's answer is metadata only too, and the Secret keeps its plan
            long before = cluster.record().requestCounts().getOrDefault("PATCH secrets", 0L);
            api.annotateSecret(Names.RANCHER_PLAN_NAMESPACE, "new-plan", Map.of(Names.PRE_HOOK, "{}"));
            assertThat(cluster.record().requestCounts().getOrDefault("PATCH secrets", 0L) - before).isEqualTo(1L);
            Secret stored = client.secrets().inNamespace(Names.RANCHER_PLAN_NAMESPACE).withName("new-plan").get();
            assertThat(stored.getMetadata().getAnnotations()).containsEntry(Names.PRE_HOOK, "{}");
            assertThat(stored.getData()).containsEntry("plan", "c2VjcmV0");

            // the server's answer to a patch or a get by name asking for metadata only
            try (KubernetesClient metadataOnly = new KubernetesClientBuilder().withConfig(new ConfigBuilder(
                    client.getConfiguration()).withCustomHeaders(Map.of("Accept",
                    "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1")).build()).build()) {
                var secret = metadataOnly.secrets().inNamespace(Names.RANCHER_PLAN_NAMESPACE).withName("new-plan");
                assertThat(secret.get().getData()).isNullOrEmpty();
                Secret patched = secret.patch(PatchContext.of(PatchType.JSON),
                        "[{\"op\":\"add\",\"path\":\"/metadata/labels/x\",\"value\":\"y\"}]");
                assertThat(patched.getMetadata().getLabels()).containsEntry("x", "y");
                assertThat(patched.getData()).isNullOrEmpty();
            }
        } finally {
            api.close();
        }
    }
}
