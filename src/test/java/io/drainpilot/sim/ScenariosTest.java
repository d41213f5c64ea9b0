package io.drainpilot.sim;

import io.drainpilot.names.Names;
import io.drainpilot.kubevirt.KubeVirt;
import io.drainpilot.kubevirt.KubeVirtNames;
import io.drainpilot.kubevirt.VirtualMachine;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The ready-made scenarios contain what DOMAIN.md says a real cluster has. */
class ScenariosTest {

    @Test
    void harvesterThreeNodeLooksLikeAHarvesterClusterMidUpgrade() {
        try (SimulatedCluster cluster = SimulatedCluster.start(Scenarios.harvesterThreeNode(), SimSettings.forTests());
             KubernetesClient client = cluster.newClient()) {
            List<Node> nodes = client.nodes().list().getItems();
            assertThat(nodes).extracting(n -> n.getMetadata().getName()).containsExactly("node-1", "node-2", "node-3");
            Node skylake = client.nodes().withName("node-1").get();
            assertThat(skylake.getMetadata().getLabels())
                    .containsEntry("cpu-vendor.node.kubevirt.io/Intel", "true")
                    .containsEntry("host-model-cpu.node.kubevirt.io/Skylake-Client-IBRS", "true")
                    .containsEntry("cpu-model-migration.node.kubevirt.io/Skylake-Client-IBRS", "true")
                    .containsEntry("cpu-model.node.kubevirt.io/Haswell-noTSX", "true")
                    .containsEntry("cpu-feature.node.kubevirt.io/avx2", "true")
                    .containsEntry(KubeVirtNames.LABEL_SCHEDULABLE, "true")
                    .containsEntry("kubernetes.io/hostname", "node-1")
                    .doesNotContainKey("cpu-model.node.kubevirt.io/Skylake-Client-IBRS");
            assertThat(client.nodes().withName("node-3").get().getMetadata().getLabels())
                    .containsEntry("cpu-vendor.node.kubevirt.io/AMD", "true")
                    .containsEntry("host-model-cpu.node.kubevirt.io/EPYC-Rome", "true")
                    .containsEntry("cpu-feature.node.kubevirt.io/svm", "true");

            String machine = skylake.getMetadata().getAnnotations().get(Names.CAPI_MACHINE_ANNOTATION);
            List<Secret> plans = client.secrets().inNamespace(Names.RANCHER_PLAN_NAMESPACE)
                    .withLabel(Names.RANCHER_MACHINE_NAME_LABEL, machine).list().getItems();
            assertThat(plans).singleElement().satisfies(s -> assertThat(s.getType()).isEqualTo(Names.RANCHER_PLAN_SECRET_TYPE));

            KubeVirt kv = client.resources(KubeVirt.class).inNamespace("harvester-system").withName("kubevirt").get();
            assertThat(kv.getStatus().observedKubeVirtVersion).isEqualTo("v1.6.0");

            VirtualMachineInstance repo = client.resources(VirtualMachineInstance.class)
                    .inNamespace("harvester-system").withLabel(Names.HARVESTER_UPGRADE_COMPONENT, "repo")
                    .list().getItems().get(0);
            assertThat(repo.getMetadata().getName()).startsWith("upgrade-repo-hvst-upgrade-");
            assertThat(repo.label(Names.HARVESTER_UPGRADE)).isEqualTo(Scenarios.UPGRADE);
            assertThat(repo.label("harvesterhci.io/creator")).isEqualTo("harvester");
            assertThat(repo.label(KubeVirtNames.LABEL_NODE_NAME)).isEqualTo("node-1");
            assertThat(repo.getSpec().evictionStrategy).isEqualTo("LiveMigrateIfPossible");
            assertThat(repo.getSpec().domain.cpu.model).isEqualTo(KubeVirtNames.CPU_HOST_MODEL);
            assertThat(repo.getSpec().domain.memory.guest).isEqualTo("1Gi");
            assertThat(client.resources(VirtualMachine.class).inNamespace("harvester-system")
                    .withName(Scenarios.UPGRADE_REPO_VM).get().runStrategy()).isEqualTo(VirtualMachine.ALWAYS);

            assertThat(client.genericKubernetesResources("harvesterhci.io/v1beta1", "Upgrade")
                    .inNamespace("harvester-system").withName(Scenarios.UPGRADE).get()).isNotNull();

            List<VirtualMachineInstance> onNode1 = client.resources(VirtualMachineInstance.class).inNamespace("default")
                    .withLabel(KubeVirtNames.LABEL_NODE_NAME, "node-1").list().getItems();
            assertThat(onNode1).extracting(v -> TargetScheduler.cpuModel(v))
                    .contains(KubeVirtNames.CPU_HOST_PASSTHROUGH, KubeVirtNames.CPU_HOST_MODEL, "Haswell-noTSX");
            assertThat(onNode1).anySatisfy(v -> assertThat(v.getStatus().conditions).anySatisfy(c -> {
                assertThat(c.type).isEqualTo(KubeVirtNames.CONDITION_LIVE_MIGRATABLE);
                assertThat(c.status).isEqualTo("False");
                assertThat(c.reason).isEqualTo("DisksNotLiveMigratable");
            }));
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void harvesterUpgradeScenarioHasWhatAHarvesterClusterHasBeforeItsUpgrade() {
        HarvesterSpec spec = HarvesterSpec.of("v1.7.0").restoreVm(true).manualNodeUpgrade("node-2")
                .preDrainHook(Names.PRE_HOOK);
        try (SimulatedCluster cluster = SimulatedCluster.start(Scenarios.harvesterUpgradeCluster(spec).build(),
                SimSettings.forTests());
             KubernetesClient client = cluster.newClient()) {
            GenericKubernetesResource version = client.genericKubernetesResources(HarvesterNames.GROUP_VERSION,
                    HarvesterNames.SETTING_KIND).withName(HarvesterNames.SERVER_VERSION_SETTING).get();
            assertThat(version.getAdditionalProperties()).containsEntry("value", "v1.7.0");
            String config = (String) client.genericKubernetesResources(HarvesterNames.GROUP_VERSION,
                    HarvesterNames.SETTING_KIND).withName(HarvesterNames.UPGRADE_CONFIG_SETTING).get()
                    .getAdditionalProperties().get("value");
            assertThat(config).contains("\"restoreVM\":true").contains("\"mode\":\"manual\"")
                    .contains("\"pauseNodes\":[\"node-2\"]");
            assertThat(client.resources(KubeVirt.class).inNamespace("harvester-system").withName("kubevirt").get()
                    .getStatus().observedKubeVirtVersion).isEqualTo("v1.6.0");

            // the hook registered before the upgrade; Harvester adds its own when the nodes' turn comes
            GenericKubernetesResource rancher = client.genericKubernetesResources(HarvesterNames.PROVISIONING_GROUP_VERSION,
                    HarvesterNames.PROVISIONING_CLUSTER_KIND).inNamespace(Names.RANCHER_PLAN_NAMESPACE)
                    .withName(HarvesterNames.LOCAL_CLUSTER).get();
            Object hooks = HarvesterView.path(rancher.getAdditionalProperties().get("spec"), "rkeConfig",
                    "upgradeStrategy", "controlPlaneDrainOptions", "preDrainHooks");
            assertThat((List<Map<String, String>>) hooks).containsExactly(Map.of("annotation", Names.PRE_HOOK));

            Node node1 = client.nodes().withName("node-1").get();
            assertThat(node1.getMetadata().getLabels()).containsEntry("node-role.kubernetes.io/etcd", "true")
                    .containsEntry("node-role.kubernetes.io/control-plane", "true");
            assertThat(node1.getStatus().getNodeInfo().getOsImage()).isEqualTo("Harvester v1.6.0");
            Secret plan1 = client.secrets().inNamespace(Names.RANCHER_PLAN_NAMESPACE)
                    .withLabel(Names.RANCHER_MACHINE_NAME_LABEL, "custom-4d1c2f0a9b3e").list().getItems().get(0);
            assertThat(plan1.getMetadata().getLabels()).containsEntry(HarvesterNames.RANCHER_INIT_NODE, "true")
                    .containsEntry(HarvesterNames.RANCHER_ETCD_ROLE, "true")
                    .containsEntry(HarvesterNames.RANCHER_CONTROL_PLANE_ROLE, "true")
                    .containsEntry(HarvesterNames.RANCHER_WORKER_ROLE, "true");

            // the repo VMI carries its CD-ROMs the way KubeVirt copies them from the VM template
            VirtualMachineInstance repo = client.resources(VirtualMachineInstance.class).inNamespace("harvester-system")
                    .withName(Scenarios.UPGRADE_REPO_VM).get();
            assertThat(repo.getSpec().domain.cpu.model).isEqualTo(KubeVirtNames.CPU_HOST_PASSTHROUGH);
            Map<String, Object> devices = (Map<String, Object>) repo.getSpec().domain.unknownFields().get("devices");
            assertThat((List<Map<String, Object>>) devices.get("disks")).extracting(d -> d.get("name"), d -> d.get("cdrom"))
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("disk-0", Map.of("bus", "scsi")),
                            org.assertj.core.groups.Tuple.tuple("cloudinitdisk", Map.of("bus", "scsi")));
            assertThat((List<Map<String, Object>>) repo.getSpec().unknownFields().get("volumes")).first()
                    .satisfies(v -> assertThat(v).containsEntry("persistentVolumeClaim",
                            Map.of("claimName", Scenarios.UPGRADE_REPO_VM + "-disk-0")));
            assertThat(client.resources(VirtualMachine.class).inNamespace("harvester-system")
                    .withName(Scenarios.UPGRADE_REPO_VM).get().runStrategy()).isEqualTo(VirtualMachine.RERUN_ON_FAILURE);
            // nothing happens until the upgrade is started
            assertThat(cluster.harvester().upgrade()).isNull();
            assertThat(cluster.harvester().upgradeState()).isEqualTo(HarvesterUpgradeSimulator.UpgradeState.NOT_STARTED);
        }
    }

    @Test
    void cascadelakeOffersEverySkylakeFeatureAndMore() {
        assertThat(CpuProfile.CASCADELAKE.features()).containsAll(CpuProfile.SKYLAKE.features())
                .contains("avx512f", "avx512vl");
        assertThat(CpuProfile.SKYLAKE.withoutHostModelLabel().labels("n"))
                .doesNotContainKey("host-model-cpu.node.kubevirt.io/Skylake-Client-IBRS")
                .containsEntry("cpu-model.node.kubevirt.io/Haswell-noTSX", "true");
    }
}
