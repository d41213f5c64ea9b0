package io.drainpilot.sim;

import io.drainpilot.kubevirt.KubeVirtNames;
import io.drainpilot.kubevirt.MigrationPhase;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.drainpilot.sim.SimTestSupport.awaitPhase;
import static io.drainpilot.sim.SimTestSupport.migrate;
import static io.drainpilot.sim.SimTestSupport.vmi;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * KubeVirt's virt-launcher pods: one per running VMI, and the CPU selectors a migration target pod gets (KubeVirt's
 * createTargetPod / prepareNodeSelectorForHostCpuModel): a host-model VMI keeps the CPU of the node it first left.
 */
class LauncherPodsTest {
    private static final String SKYLAKE_HOST = CpuProfile.CPU_MODEL_MIGRATION + CpuProfile.SKYLAKE.hostModel();
    private static final String CASCADE_HOST = CpuProfile.CPU_MODEL_MIGRATION + CpuProfile.CASCADELAKE.hostModel();

    @Test
    void everyRunningVmiHasItsRunningLauncherPodOnItsNode() {
        try (SimulatedCluster cluster = SimulatedCluster.start(Scenarios.heterogeneous(), SimSettings.forTests());
             KubernetesClient client = cluster.newClient()) {
            List<VirtualMachineInstance> vmis = client.resources(VirtualMachineInstance.class).inAnyNamespace().list().getItems();
            assertThat(vmis).isNotEmpty();
            for (VirtualMachineInstance v : vmis) {
                Pod pod = podOf(client, v);
                assertThat(pod.getMetadata().getNamespace()).isEqualTo(v.getMetadata().getNamespace());
                assertThat(pod.getSpec().getNodeName()).isEqualTo(v.getStatus().nodeName);
                assertThat(pod.getStatus().getPhase()).isEqualTo("Running");
                assertThat(pod.getSpec().getNodeSelector()).containsEntry(KubeVirtNames.LABEL_SCHEDULABLE, "true");
            }
        }
    }

    @Test
    void theFirstMigrationPinsTheSourceHostModelAndLaterOnesKeepIt() {
        Scenario scenario = Scenario.builder()
                .node(Scenario.node("sky-1", CpuProfile.SKYLAKE).memory("16Gi"))
                .node(Scenario.node("cascade-1", CpuProfile.CASCADELAKE).memory("64Gi"))
                .vm(Scenario.vm("default", "hm").on("sky-1").hostModel())
                .build();
        try (SimulatedCluster cluster = SimulatedCluster.start(scenario, SimSettings.forTests());
             KubernetesClient client = cluster.newClient()) {
            Pod first = podOf(client, vmi(client, "default", "hm"));
            assertThat(first.getSpec().getNodeSelector()).doesNotContainKey(SKYLAKE_HOST);

            migrate(client, "default", "m1", "hm");
            awaitPhase(client, "default", "m1", MigrationPhase.SUCCEEDED);
            VirtualMachineInstance moved = vmi(client, "default", "hm");
            assertThat(moved.getStatus().nodeName).isEqualTo("cascade-1");
            Pod second = podOf(client, moved);
            assertThat(second.getMetadata().getName()).isNotEqualTo(first.getMetadata().getName());
            assertThat(second.getSpec().getNodeSelector()).containsEntry(SKYLAKE_HOST, "true")
                    .containsEntry(CpuProfile.CPU_FEATURE + "pdpe1gb", "true").doesNotContainKey(CASCADE_HOST);
            assertThat(launcherPods(client)).extracting(p -> p.getMetadata().getName())
                    .containsExactly(second.getMetadata().getName());

            // back to Skylake: the kept selectors allow it, where Cascade Lake's own host model would not
            migrate(client, "default", "m2", "hm");
            awaitPhase(client, "default", "m2", MigrationPhase.SUCCEEDED);
            VirtualMachineInstance back = vmi(client, "default", "hm");
            assertThat(back.getStatus().nodeName).isEqualTo("sky-1");
            assertThat(podOf(client, back).getSpec().getNodeSelector()).containsEntry(SKYLAKE_HOST, "true")
                    .doesNotContainKey(CASCADE_HOST);
        }
    }

    @Test
    void aVmThatFirstLeftCascadeLakeCannotGoToANodeWithoutWhatItKept() {
        Scenario scenario = Scenario.builder()
                .node(Scenario.node("cascade-1", CpuProfile.CASCADELAKE).unschedulable())
                .node(Scenario.node("ice-1", CpuProfile.ICELAKE))
                .node(Scenario.node("ice-2", CpuProfile.ICELAKE.withoutFeature("arch-capabilities")).memory("64Gi"))
                .vm(Scenario.vm("default", "hm").on("ice-1").migratedFrom("cascade-1").hostModel())
                .build();
        try (SimulatedCluster cluster = SimulatedCluster.start(scenario, SimSettings.forTests());
             KubernetesClient client = cluster.newClient()) {
            assertThat(podOf(client, vmi(client, "default", "hm")).getSpec().getNodeSelector())
                    .containsEntry(CASCADE_HOST, "true").containsEntry(CpuProfile.CPU_FEATURE + "arch-capabilities", "true");
            // ice-2 has Ice Lake's host model and required features, but not arch-capabilities, kept from Cascade Lake
            migrate(client, "default", "m1", "hm", null, Map.of(KubeVirtNames.ANNOTATION_UNSCHEDULABLE_TIMEOUT, "100"));
            awaitPhase(client, "default", "m1", MigrationPhase.FAILED);
            assertThat(cluster.record().phasesOf("default", "m1")).doesNotContain(MigrationPhase.SCHEDULED);
            assertThat(vmi(client, "default", "hm").getStatus().nodeName).isEqualTo("ice-1");
            assertThat(launcherPods(client)).hasSize(1);
        }
    }

    @Test
    void fromKubeVirt18AMigrationStaysWithTheSourceCpuVendor() {
        for (String version : List.of("v1.7.2", "v1.8.0")) {
            Scenario scenario = Scenario.builder().kubeVirt(Scenario.DEFAULT_KUBEVIRT_NAMESPACE, version)
                    .node(Scenario.node("sky-1", CpuProfile.SKYLAKE))
                    .node(Scenario.node("epyc-1", CpuProfile.EPYC).memory("64Gi"))
                    .vm(Scenario.vm("default", "penryn").on("sky-1").namedModel("Penryn"))
                    .build();
            try (SimulatedCluster cluster = SimulatedCluster.start(scenario, SimSettings.forTests());
                 KubernetesClient client = cluster.newClient()) {
                migrate(client, "default", "m1", "penryn", null,
                        Map.of(KubeVirtNames.ANNOTATION_UNSCHEDULABLE_TIMEOUT, "100"));
                if (version.equals("v1.8.0")) {
                    awaitPhase(client, "default", "m1", MigrationPhase.FAILED);
                    assertThat(vmi(client, "default", "penryn").getStatus().nodeName).isEqualTo("sky-1");
                } else {
                    awaitPhase(client, "default", "m1", MigrationPhase.SUCCEEDED);
                    VirtualMachineInstance moved = vmi(client, "default", "penryn");
                    assertThat(moved.getStatus().nodeName).isEqualTo("epyc-1");
                    assertThat(podOf(client, moved).getSpec().getNodeSelector())
                            .doesNotContainKey(CpuProfile.CPU_VENDOR + "Intel");
                }
            }
        }
    }

    private static List<Pod> launcherPods(KubernetesClient client) {
        return client.pods().inAnyNamespace().withLabel("kubevirt.io", "virt-launcher").list().getItems();
    }

    private static Pod podOf(KubernetesClient client, VirtualMachineInstance vmi) {
        List<Pod> pods = client.pods().inNamespace(vmi.getMetadata().getNamespace())
                .withLabel("kubevirt.io", "virt-launcher")
                .withLabel("kubevirt.io/created-by", vmi.getMetadata().getUid()).list().getItems().stream()
                .filter(p -> "Running".equals(p.getStatus().getPhase())
                        && vmi.getStatus().nodeName.equals(p.getSpec().getNodeName())).toList();
        assertThat(pods).as("Running launcher pods of %s", vmi.getMetadata().getName()).hasSize(1);
        return pods.get(0);
    }
}
