package io.drainpilot.sim;

import io.drainpilot.names.Names;
import io.drainpilot.kubevirt.KubeVirt;
import io.drainpilot.kubevirt.VirtualMachine;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Creates a {@link Scenario}'s objects through the API, as an installed cluster would have them. */
final class ScenarioWriter {
    static final String HARVESTER_UPGRADE_API_VERSION = "harvesterhci.io/v1beta1";
    static final String HARVESTER_UPGRADE_KIND = "Upgrade";

    private final KubernetesClient client;

    ScenarioWriter(KubernetesClient client) {
        this.client = client;
    }

    void write(Scenario scenario) {
        writeKubeVirt(scenario);
        scenario.nodes().forEach(this::writeNode);
        scenario.vms().forEach(this::writeVm);
        if (scenario.harvesterUpgrade() != null) {
            writeUpgrade(scenario.harvesterUpgrade());
        }
    }

    private void writeKubeVirt(Scenario scenario) {
        KubeVirt kv = new KubeVirt();
        kv.setMetadata(new ObjectMetaBuilder().withNamespace(scenario.kubeVirtNamespace()).withName("kubevirt").build());
        KubeVirt.Spec spec = new KubeVirt.Spec();
        spec.configuration = new KubeVirt.Configuration();
        spec.configuration.migrations = new KubeVirt.Migrations();
        spec.configuration.migrations.parallelMigrationsPerCluster = scenario.parallelMigrationsPerCluster();
        spec.configuration.migrations.parallelOutboundMigrationsPerNode = scenario.parallelOutboundMigrationsPerNode();
        kv.setSpec(spec);
        KubeVirt created = client.resource(kv).create();
        KubeVirt.Status status = new KubeVirt.Status();
        status.observedKubeVirtVersion = scenario.kubeVirtVersion();
        status.phase = "Deployed";
        created.setStatus(status);
        client.resource(created).updateStatus();
    }

    private void writeNode(Scenario.NodeSpec spec) {
        Map<String, String> labels = new LinkedHashMap<>(spec.cpu().labels(spec.name()));
        labels.putAll(spec.labels());
        Map<String, String> annotations = new LinkedHashMap<>(spec.annotations());
        if (spec.machine() != null) {
            annotations.put(Names.CAPI_MACHINE_ANNOTATION, spec.machine());
        }
        List<Taint> taints = spec.taints().stream()
                .map(t -> new TaintBuilder().withKey(t.key()).withValue(t.value()).withEffect(t.effect()).build())
                .toList();
        Quantity memory = new Quantity(spec.allocatableMemory());
        client.nodes().resource(new NodeBuilder()
                .withNewMetadata().withName(spec.name()).withLabels(labels).withAnnotations(annotations).endMetadata()
                .withNewSpec().withUnschedulable(spec.isUnschedulable() ? Boolean.TRUE : null).withTaints(taints)
                .endSpec()
                .withNewStatus()
                .addToAllocatable("memory", memory).addToAllocatable("cpu", new Quantity("12"))
                .addToCapacity("memory", memory).addToCapacity("cpu", new Quantity("12"))
                .addNewCondition().withType("Ready").withStatus("True").withReason("KubeletReady").endCondition()
                .endStatus()
                .build()).create();
        if (spec.machine() != null) {
            writeMachinePlan(spec.machine());
        }
    }

    private void writeMachinePlan(String machine) {
        client.secrets().inNamespace(Names.RANCHER_PLAN_NAMESPACE).resource(new SecretBuilder()
                .withNewMetadata().withNamespace(Names.RANCHER_PLAN_NAMESPACE).withName(machine + "-machine-plan")
                .addToLabels(Names.RANCHER_MACHINE_NAME_LABEL, machine).endMetadata()
                .withType(Names.RANCHER_PLAN_SECRET_TYPE)
                .build()).create();
    }

    private void writeVm(Scenario.VmSpec spec) {
        VirtualMachine created = client.resource(VmiFactory.virtualMachine(spec)).create();
        if (spec.node() != null) {
            client.resource(VmiFactory.runningVmi(created, spec.node())).create();
        }
        VmStatusWriter.write(client, created, spec.node() != null);
    }

    private void writeUpgrade(String name) {
        GenericKubernetesResource upgrade = new GenericKubernetesResourceBuilder()
                .withApiVersion(HARVESTER_UPGRADE_API_VERSION).withKind(HARVESTER_UPGRADE_KIND)
                .withNewMetadata().withNamespace(Scenario.HARVESTER_NAMESPACE).withName(name)
                .addToLabels("harvesterhci.io/latestUpgrade", "true").endMetadata()
                .addToAdditionalProperties("spec", Map.of("version", "v1.7.0"))
                .build();
        client.genericKubernetesResources(HARVESTER_UPGRADE_API_VERSION, HARVESTER_UPGRADE_KIND)
                .inNamespace(Scenario.HARVESTER_NAMESPACE).resource(upgrade).create();
    }
}
