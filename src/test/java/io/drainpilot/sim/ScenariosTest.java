package io.drainpilot.sim;

import io.drainpilot.names.Names;
import io.drainpilot.kubevirt.KubeVirt;
import io.drainpilot.kubevirt.KubeVirtNames;
import io.drainpilot.kubevirt.VirtualMachine;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;

import java.util.List;

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
    void cascadelakeOffersEverySkylakeFeatureAndMore() {
        assertThat(CpuProfile.CASCADELAKE.features()).containsAll(CpuProfile.SKYLAKE.features())
                .contains("avx512f", "avx512vl");
        assertThat(CpuProfile.SKYLAKE.withoutHostModelLabel().labels("n"))
                .doesNotContainKey("host-model-cpu.node.kubevirt.io/Skylake-Client-IBRS")
                .containsEntry("cpu-model.node.kubevirt.io/Haswell-noTSX", "true");
    }
}
