package io.drainpilot.sim;

import io.drainpilot.names.Names;
import io.drainpilot.kubevirt.KubeVirt;
import io.drainpilot.kubevirt.VirtualMachine;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.NodeSystemInfoBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;

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
        HarvesterSpec harvester = scenario.harvester();
        scenario.nodes().forEach(n -> writeNode(n, harvester));
        scenario.vms().forEach(vm -> writeVm(vm, scenario, harvester));
        if (scenario.harvesterUpgrade() != null) {
            writeUpgrade(scenario.harvesterUpgrade());
        }
        if (harvester != null) {
            writeHarvesterSettings(harvester);
            writeProvisioningCluster(harvester);
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

    private void writeNode(Scenario.NodeSpec spec, HarvesterSpec harvester) {
        Map<String, String> labels = nodeLabels(spec, harvester);
        Map<String, String> annotations = new LinkedHashMap<>(spec.annotations());
        if (spec.machine() != null) {
            annotations.put(Names.CAPI_MACHINE_ANNOTATION, spec.machine());
        }
        List<Taint> taints = spec.taints().stream()
                .map(t -> new TaintBuilder().withKey(t.key()).withValue(t.value()).withEffect(t.effect()).build())
                .toList();
        Quantity memory = new Quantity(spec.allocatableMemory());
        Node node = new NodeBuilder()
                .withNewMetadata().withName(spec.name()).withLabels(labels).withAnnotations(annotations).endMetadata()
                .withNewSpec().withUnschedulable(spec.isUnschedulable() ? Boolean.TRUE : null).withTaints(taints)
                .endSpec()
                .withNewStatus()
                .addToAllocatable("memory", memory).addToAllocatable("cpu", new Quantity("12"))
                .addToCapacity("memory", memory).addToCapacity("cpu", new Quantity("12"))
                .endStatus()
                .build();
        if (spec.ready() != null) {
            node.getStatus().setConditions(List.of(new NodeConditionBuilder().withType("Ready").withStatus(spec.ready())
                    .withReason("True".equals(spec.ready()) ? "KubeletReady" : "KubeletNotReady").build()));
        }
        if (harvester != null) {
            // Harvester tells a rebooted node by its OS image; Rancher's upgrade changes the kubelet version
            node.getStatus().setNodeInfo(new NodeSystemInfoBuilder().withOsImage(harvester.osImageBefore())
                    .withKubeletVersion(RancherUpgradeFlow.KUBERNETES_BEFORE).build());
        }
        if (spec.hasRealWorldBulk()) {
            NodeBulk.add(node);
        }
        client.nodes().resource(node).create();
        if (spec.machine() != null) {
            writeMachinePlan(spec);
        }
    }

    /** The node's labels: its CPU's, RKE2's role labels, Harvester's, then the scenario's own. */
    private static Map<String, String> nodeLabels(Scenario.NodeSpec spec, HarvesterSpec harvester) {
        Map<String, String> labels = new LinkedHashMap<>(spec.cpu().labels(spec.name()));
        // the node-role labels RKE2 gives its nodes
        if (spec.roles().contains(RancherRole.ETCD)) {
            labels.put("node-role.kubernetes.io/etcd", "true");
        }
        if (spec.roles().contains(RancherRole.CONTROL_PLANE)) {
            labels.put("node-role.kubernetes.io/control-plane", "true");
            labels.put("node-role.kubernetes.io/master", "true");
        }
        if (harvester != null) {
            labels.put("harvesterhci.io/managed", "true");
        }
        labels.putAll(spec.labels());
        return labels;
    }

    private void writeMachinePlan(Scenario.NodeSpec node) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(Names.RANCHER_MACHINE_NAME_LABEL, node.machine());
        // Rancher keeps the machine's roles on its plan Secret; the planner orders its tiers by them
        if (node.roles().contains(RancherRole.ETCD)) {
            labels.put(HarvesterNames.RANCHER_ETCD_ROLE, "true");
        }
        if (node.roles().contains(RancherRole.CONTROL_PLANE)) {
            labels.put(HarvesterNames.RANCHER_CONTROL_PLANE_ROLE, "true");
        }
        if (node.roles().contains(RancherRole.WORKER)) {
            labels.put(HarvesterNames.RANCHER_WORKER_ROLE, "true");
        }
        if (node.isInitNode()) {
            labels.put(HarvesterNames.RANCHER_INIT_NODE, "true");
        }
        client.secrets().inNamespace(Names.RANCHER_PLAN_NAMESPACE).resource(new SecretBuilder()
                .withNewMetadata().withNamespace(Names.RANCHER_PLAN_NAMESPACE).withName(planSecretName(node.machine()))
                .withLabels(labels).endMetadata()
                .withType(Names.RANCHER_PLAN_SECRET_TYPE)
                // what rancher-system-agent runs on the node (as root) and what it last applied: the reason a
                // reader of these Secrets must never need their data
                .withData(Map.of("plan", PLAN, "appliedPlan", PLAN))
                .build()).create();
    }

    private static final String PLAN = java.util.Base64.getEncoder().encodeToString(
            "{\"instructions\":[{\"name\":\"install\",\"image\":\"rancher/system-agent-installer-rke2:v1.31.9-rke2r1\"}]}"
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));

    static String planSecretName(String machine) {
        return machine + "-machine-plan";
    }

    /** {@code server-version} (the release now running) and {@code upgrade-config}. */
    private void writeHarvesterSettings(HarvesterSpec spec) {
        writeSetting(HarvesterNames.SERVER_VERSION_SETTING, spec.version().text());
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("imagePreloadOption", Map.of("strategy", Map.of("type", "sequential")));
        if (spec.version().honoursPauseMap()) {
            Map<String, Object> strategy = new LinkedHashMap<>();
            strategy.put("mode", spec.manualNodeUpgrade() ? "manual" : "auto");
            if (!spec.pauseNodes().isEmpty()) {
                strategy.put("pauseNodes", spec.pauseNodes());
            }
            config.put("nodeUpgradeOption", Map.of("strategy", strategy));
        }
        config.put("restoreVM", spec.restoreVm());
        writeSetting(HarvesterNames.UPGRADE_CONFIG_SETTING, Serialization.asJson(config));
    }

    private void writeSetting(String name, String value) {
        GenericKubernetesResource setting = new GenericKubernetesResourceBuilder()
                .withApiVersion(HarvesterNames.GROUP_VERSION).withKind(HarvesterNames.SETTING_KIND)
                .withNewMetadata().withName(name).endMetadata()
                .addToAdditionalProperties("value", value)
                .build();
        client.genericKubernetesResources(HarvesterNames.GROUP_VERSION, HarvesterNames.SETTING_KIND)
                .resource(setting).create();
    }

    /**
     * Rancher's {@code fleet-local/local} provisioning cluster. The hooks a scenario adds are registered before the
     * upgrade; Harvester adds its own (and turns draining on) when it starts upgrading the nodes.
     */
    private void writeProvisioningCluster(HarvesterSpec spec) {
        Map<String, Object> drainOptions = new LinkedHashMap<>();
        drainOptions.put("enabled", false);
        drainOptions.put("force", false);
        drainOptions.put("deleteEmptyDirData", false);
        drainOptions.put("disableEviction", false);
        drainOptions.put("gracePeriod", 0);
        drainOptions.put("timeout", 0);
        drainOptions.put("skipWaitForDeleteTimeoutSeconds", 0);
        hookList(spec.extraPreDrainHooks()).ifPresent(h -> drainOptions.put("preDrainHooks", h));
        hookList(spec.postDrainHooks().subList(1, spec.postDrainHooks().size()))
                .ifPresent(h -> drainOptions.put("postDrainHooks", h));
        Map<String, Object> upgradeStrategy = new LinkedHashMap<>();
        upgradeStrategy.put("controlPlaneConcurrency", "1");
        upgradeStrategy.put("workerConcurrency", "1");
        upgradeStrategy.put("controlPlaneDrainOptions", drainOptions);
        upgradeStrategy.put("workerDrainOptions", new LinkedHashMap<>(drainOptions));
        GenericKubernetesResource cluster = new GenericKubernetesResourceBuilder()
                .withApiVersion(HarvesterNames.PROVISIONING_GROUP_VERSION).withKind(HarvesterNames.PROVISIONING_CLUSTER_KIND)
                .withNewMetadata().withNamespace(Names.RANCHER_PLAN_NAMESPACE).withName(HarvesterNames.LOCAL_CLUSTER)
                .endMetadata()
                .addToAdditionalProperties("spec", Map.of("kubernetesVersion", RancherUpgradeFlow.KUBERNETES_BEFORE,
                        "rkeConfig", Map.of("upgradeStrategy", upgradeStrategy)))
                .build();
        client.genericKubernetesResources(HarvesterNames.PROVISIONING_GROUP_VERSION, HarvesterNames.PROVISIONING_CLUSTER_KIND)
                .inNamespace(Names.RANCHER_PLAN_NAMESPACE).resource(cluster).create();
    }

    private static java.util.Optional<List<Map<String, String>>> hookList(java.util.Collection<String> annotations) {
        if (annotations.isEmpty()) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(annotations.stream().map(a -> Map.of("annotation", a)).toList());
    }

    private void writeVm(Scenario.VmSpec spec, Scenario scenario, HarvesterSpec harvester) {
        VirtualMachine created = client.resource(VmiFactory.virtualMachine(spec)).create();
        if (spec.node() != null) {
            VirtualMachineInstance vmi = client.resource(VmiFactory.runningVmi(created, spec.node())).create();
            Map<String, String> selector = SCHEDULER.startSelector(vmi);
            if (spec.migratedFrom() != null) {
                Node source = new NodeBuilder().withNewMetadata().withName(spec.migratedFrom())
                        .withLabels(nodeLabels(scenario.nodes().stream().filter(n -> n.name().equals(spec.migratedFrom()))
                                .findFirst().orElseThrow(() -> new IllegalArgumentException(spec.name()
                                        + " migrated from " + spec.migratedFrom() + ", which is not in the scenario")),
                                harvester)).endMetadata().build();
                selector = SCHEDULER.migrationTargetSelector(vmi, source, null, selector,
                                !KubeVirtVersions.isBefore(scenario.kubeVirtVersion(), 1, 8))
                        .orElseThrow(() -> new IllegalArgumentException(spec.name() + " could not have migrated from "
                                + spec.migratedFrom() + ": no host-model label there"));
            }
            new LauncherPods(client).create(vmi, spec.node(), selector, LauncherPods.RUNNING, null);
        }
        VmStatusWriter.write(client, created, spec.node() != null);
    }

    private static final TargetScheduler SCHEDULER = new TargetScheduler();

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
