package io.drainpilot.sim;

import io.drainpilot.names.Names;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.http.HttpResponse;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The Harvester and Rancher simulation's writes: read fresh, change, write back, again on a 409 Conflict (DrainPilot
 * writes the same Secrets, the Upgrade's annotations and the nodes), as their controllers do.
 */
final class HarvesterWriter {
    private static final int ATTEMPTS = 5;

    private final KubernetesClient client;
    private final String upgradeName;

    HarvesterWriter(KubernetesClient client, String upgradeName) {
        this.client = client;
        this.upgradeName = upgradeName;
    }

    Optional<Secret> updatePlanSecret(String name, Consumer<Secret> change) {
        return update(() -> client.secrets().inNamespace(Names.RANCHER_PLAN_NAMESPACE).withName(name), s -> {
            if (s.getMetadata().getAnnotations() == null) {
                s.getMetadata().setAnnotations(new LinkedHashMap<>());
            }
            change.accept(s);
        });
    }

    Optional<Node> updateNode(String name, Consumer<Node> change) {
        return update(() -> client.nodes().withName(name), n -> {
            if (n.getMetadata().getAnnotations() == null) {
                n.getMetadata().setAnnotations(new LinkedHashMap<>());
            }
            change.accept(n);
        });
    }

    Optional<GenericKubernetesResource> updateUpgrade(Consumer<GenericKubernetesResource> change) {
        return update(() -> client.genericKubernetesResources(HarvesterNames.GROUP_VERSION, HarvesterNames.UPGRADE_KIND)
                .inNamespace(Scenario.HARVESTER_NAMESPACE).withName(upgradeName), u -> {
            if (u.getMetadata().getAnnotations() == null) {
                u.getMetadata().setAnnotations(new LinkedHashMap<>());
            }
            change.accept(u);
        });
    }

    Optional<GenericKubernetesResource> updateProvisioningCluster(Consumer<GenericKubernetesResource> change) {
        return update(() -> client.genericKubernetesResources(HarvesterNames.PROVISIONING_GROUP_VERSION,
                HarvesterNames.PROVISIONING_CLUSTER_KIND).inNamespace(Names.RANCHER_PLAN_NAMESPACE)
                .withName(HarvesterNames.LOCAL_CLUSTER), change);
    }

    GenericKubernetesResource createUpgrade(GenericKubernetesResource upgrade) {
        return client.genericKubernetesResources(HarvesterNames.GROUP_VERSION, HarvesterNames.UPGRADE_KIND)
                .inNamespace(Scenario.HARVESTER_NAMESPACE).resource(upgrade).create();
    }

    /** A node job Harvester creates ({@code <upgrade>-<type>-<node>} in harvester-system); already there is fine. */
    void createJob(String type, String node) {
        Job job = new JobBuilder().withNewMetadata().withNamespace(Scenario.HARVESTER_NAMESPACE)
                .withName(HarvesterNames.jobName(upgradeName, type, node))
                .withLabels(Map.of(HarvesterNames.UPGRADE_LABEL, upgradeName,
                        HarvesterNames.UPGRADE_COMPONENT_LABEL, "node",
                        HarvesterNames.NODE_LABEL, node,
                        HarvesterNames.JOB_TYPE_LABEL, type))
                .endMetadata()
                .withNewSpec().withNewTemplate().withNewSpec().withRestartPolicy("Never")
                .addNewContainer().withName("apply").withCommand("do_upgrade_node.sh").withArgs(type).endContainer()
                .endSpec().endTemplate().endSpec()
                .withNewStatus().withActive(1).endStatus()
                .build();
        try {
            client.batch().v1().jobs().inNamespace(Scenario.HARVESTER_NAMESPACE).resource(job).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
        }
    }

    void completeJob(String type, String node) {
        update(() -> client.batch().v1().jobs().inNamespace(Scenario.HARVESTER_NAMESPACE)
                .withName(HarvesterNames.jobName(upgradeName, type, node)), j -> {
            j.getStatus().setActive(null);
            j.getStatus().setSucceeded(1);
            j.getStatus().setCompletionTime(Timestamps.now());
            j.getStatus().setConditions(List.of(new io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder()
                    .withType("Complete").withStatus("True").withLastTransitionTime(Timestamps.now()).build()));
        });
    }

    /** The detector's record of the VMs to restore: {@code data[<node>] = ns/vm,ns/vm}. */
    void storeVmsToRestore(String node, List<String> vms) {
        String name = upgradeName + HarvesterNames.RESTORE_VM_CONFIG_MAP_SUFFIX;
        String value = String.join(",", vms);
        Resource<ConfigMap> resource = client.configMaps().inNamespace(Scenario.HARVESTER_NAMESPACE).withName(name);
        if (resource.get() == null) {
            try {
                client.configMaps().inNamespace(Scenario.HARVESTER_NAMESPACE).resource(new ConfigMapBuilder()
                        .withNewMetadata().withNamespace(Scenario.HARVESTER_NAMESPACE).withName(name).endMetadata()
                        .addToData(node, value).build()).create();
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
            }
        }
        update(() -> resource, cm -> {
            Map<String, String> data = cm.getData() == null ? new LinkedHashMap<>() : new LinkedHashMap<>(cm.getData());
            data.put(node, value);
            cm.setData(data);
        });
    }

    /** {@code data[<node>]} of the restore-vm ConfigMap, split; empty when there is none. */
    List<String> vmsToRestore(String node) {
        ConfigMap cm = client.configMaps().inNamespace(Scenario.HARVESTER_NAMESPACE)
                .withName(upgradeName + HarvesterNames.RESTORE_VM_CONFIG_MAP_SUFFIX).get();
        String value = cm == null || cm.getData() == null ? null : cm.getData().get(node);
        if (value == null || value.isBlank()) {
            return List.of();
        }
        return java.util.Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    /**
     * KubeVirt's VM {@code start} or {@code stop} subresource, as {@code virtctl} and KubeVirt's client call it.
     *
     * @return the HTTP status: 202 accepted, 409 already so, 404 no such VM
     */
    int vmSubresource(String namespace, String name, String action) {
        String url = client.getMasterUrl() + "apis/subresources.kubevirt.io/v1/namespaces/" + namespace
                + "/virtualmachines/" + name + "/" + action;
        try {
            HttpResponse<String> response = client.getHttpClient().sendAsync(client.getHttpClient()
                    .newHttpRequestBuilder().uri(url).header("User-Agent", SimDispatcher.SIM_USER_AGENT)
                    .put("application/json", "{}").build(), String.class).get();
            return response.code();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted calling " + url, e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("calling " + url + " failed: " + e.getCause(), e.getCause());
        }
    }

    /** An update carrying the read resourceVersion, so a concurrent writer's change makes it fail with 409. */
    @SuppressWarnings("unchecked")
    private <T extends HasMetadata> T write(T item) {
        if (item instanceof GenericKubernetesResource g) {
            return (T) client.genericKubernetesResources(g.getApiVersion(), g.getKind())
                    .inNamespace(g.getMetadata().getNamespace()).resource(g).update();
        }
        return client.resource(item).update();
    }

    private <T extends HasMetadata> Optional<T> update(Supplier<Resource<T>> resource, Consumer<T> change) {
        for (int attempt = 1; ; attempt++) {
            T current = resource.get().get();
            if (current == null) {
                return Optional.empty();
            }
            change.accept(current);
            try {
                return Optional.of(write(current));
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt == ATTEMPTS) {
                    throw e;
                }
            }
        }
    }
}
