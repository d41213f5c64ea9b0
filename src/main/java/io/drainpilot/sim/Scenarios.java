package io.drainpilot.sim;

import io.drainpilot.names.Names;

/** Ready-made clusters for tests, benchmarks and the demo. */
public final class Scenarios {
    /** Name of the Harvester upgrade in the Harvester scenarios. */
    public static final String UPGRADE = "hvst-upgrade-x7k2p";
    /** The upgrade-repo VM that serves the ISO during an upgrade (DOMAIN.md section 3). */
    public static final String UPGRADE_REPO_VM = "upgrade-repo-" + UPGRADE;

    private Scenarios() {
    }

    /** Two Intel Skylake nodes and one AMD EPYC, KubeVirt v1.6.0, VMs of every CPU mode on node-1. */
    public static Scenario harvesterThreeNode() {
        return harvesterNodes(false)
                .vm(Scenario.vm("default", "cache-default-cpu").on("node-1").memory("1Gi"))
                .vm(Scenario.vm("default", "legacy-local-disk").on("node-1").memory("2Gi")
                        .notLiveMigratable("DisksNotLiveMigratable"))
                .build();
    }

    /** Two Skylake nodes and one EPYC, KubeVirt v1.6.0 in harvester-system, an upgrade running, VMs on node-1. */
    private static Scenario.Builder harvesterNodes(boolean node1HasNvme) {
        Scenario.NodeSpec node1 = Scenario.node("node-1", CpuProfile.SKYLAKE).memory("32Gi").machine("custom-4d1c2f0a9b3e");
        if (node1HasNvme) {
            node1.label("disktype", "nvme");
        }
        return Scenario.builder()
                .kubeVirt(Scenario.HARVESTER_NAMESPACE, "v1.6.0")
                .harvesterUpgrade(UPGRADE)
                .node(node1)
                .node(Scenario.node("node-2", CpuProfile.SKYLAKE).memory("32Gi").machine("custom-7e5a8b1c6d2f"))
                .node(Scenario.node("node-3", CpuProfile.EPYC).memory("32Gi").machine("custom-9f3b6c2d8e1a"))
                // on node-1: the upgrade repo and one VM of each CPU mode
                .vm(upgradeRepo("node-1"))
                .vm(Scenario.vm("default", "web-passthrough").on("node-1").hostPassthrough().memory("2Gi"))
                .vm(Scenario.vm("default", "db-named").on("node-1").namedModel("Haswell-noTSX", "avx2").memory("4Gi"))
                .vm(Scenario.vm("default", "app-host-model").on("node-1").hostModel().memory("1Gi"));
    }

    /**
     * The demo's cluster: {@link #harvesterThreeNode()} plus a VM pinned by nodeSelector to the only node with local
     * NVMe (so it has no compatible target), with fallbacks chosen so the drain can finish: the disk-bound VM falls
     * back to shutdown-restart, the pinned one to release.
     */
    public static Scenario harvesterDemo() {
        return harvesterNodes(true)
                .vm(Scenario.vm("default", "legacy-local-disk").on("node-1").memory("2Gi").hostModel()
                        .notLiveMigratable("DisksNotLiveMigratable").label(Names.FALLBACK, "shutdown-restart"))
                .vm(Scenario.vm("default", "nvme-cache").on("node-1").hostModel().memory("1Gi")
                        .nodeSelector("disktype", "nvme").label(Names.FALLBACK, "release"))
                .build();
    }

    /** Two identical Skylake nodes on Harvester v1.4.2 (KubeVirt v1.3.1: no addedNodeSelector). */
    public static Scenario harvesterTwoNode() {
        return Scenario.builder()
                .kubeVirt(Scenario.HARVESTER_NAMESPACE, "v1.3.1")
                .harvesterUpgrade(UPGRADE)
                .node(Scenario.node("node-1", CpuProfile.SKYLAKE).memory("16Gi").machine("custom-2b8e4f6a1c3d"))
                .node(Scenario.node("node-2", CpuProfile.SKYLAKE).memory("16Gi").machine("custom-5c1d7e3f9a2b"))
                .vm(upgradeRepo("node-1"))
                .vm(Scenario.vm("default", "app-host-model").on("node-1").hostModel())
                .build();
    }

    /** Skylake, Skylake, EPYC; a host-passthrough VM on node-1 whose only safe target is node-2. */
    public static Scenario heterogeneous() {
        return Scenario.builder()
                .node(Scenario.node("node-1", CpuProfile.SKYLAKE).memory("32Gi"))
                .node(Scenario.node("node-2", CpuProfile.SKYLAKE).memory("16Gi"))
                .node(Scenario.node("node-3", CpuProfile.EPYC).memory("64Gi"))
                .vm(Scenario.vm("default", "passthrough-vm").on("node-1").hostPassthrough().memory("1Gi"))
                .vm(Scenario.vm("default", "host-model-vm").on("node-1").hostModel().memory("1Gi"))
                .build();
    }

    static Scenario.VmSpec upgradeRepo(String node) {
        return Scenario.vm(Scenario.HARVESTER_NAMESPACE, UPGRADE_REPO_VM).on(node)
                .label(Names.HARVESTER_UPGRADE, UPGRADE)
                .label(Names.HARVESTER_UPGRADE_COMPONENT, "repo")
                .label("harvesterhci.io/creator", "harvester")
                .cores(1).memory("1Gi").hostModel()
                .evictionStrategy("LiveMigrateIfPossible");
    }
}
