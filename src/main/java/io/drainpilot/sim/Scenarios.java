package io.drainpilot.sim;

import io.drainpilot.kubevirt.VirtualMachine;
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

    /**
     * The upgrade-repo VM of the DrainPilot scenarios: labels, CD-ROMs and eviction strategy as Harvester makes it,
     * but host-model and runStrategy Always (see {@link #harvesterRepoVm} for the VM exactly as Harvester creates it).
     */
    static Scenario.VmSpec upgradeRepo(String node) {
        return repoCdroms(Scenario.vm(Scenario.HARVESTER_NAMESPACE, UPGRADE_REPO_VM).on(node), UPGRADE_REPO_VM)
                .label(Names.HARVESTER_UPGRADE, UPGRADE)
                .label(Names.HARVESTER_UPGRADE_COMPONENT, "repo")
                .label("harvesterhci.io/creator", "harvester")
                .cores(1).memory("1Gi").hostModel()
                .evictionStrategy("LiveMigrateIfPossible");
    }

    /**
     * The upgrade-repo VM as Harvester v1.4-v1.6 creates it for an upgrade (the v1.7 upgrade controller serves new
     * upgrades from a Deployment, so an upgrade to v1.7 still has this VM): 1 core, 1G, UEFI, runStrategy
     * RerunOnFailure, evictionStrategy LiveMigrateIfPossible, the ISO as a CD-ROM on a 10Gi RWX block PVC plus a
     * cloud-init CD-ROM, and a CPU model Harvester sets to host-passthrough ({@code cpuMode} lets a scenario differ).
     * Its network (masquerade) and readiness probe are left out: nothing simulated reads them.
     */
    public static Scenario.VmSpec harvesterRepoVm(String upgrade, String node, Scenario.CpuMode cpuMode) {
        String name = HarvesterNames.repoVmName(upgrade);
        Scenario.VmSpec vm = repoCdroms(Scenario.vm(Scenario.HARVESTER_NAMESPACE, name).on(node), name)
                .label(Names.HARVESTER_UPGRADE, upgrade)
                .label(Names.HARVESTER_UPGRADE_COMPONENT, "repo")
                .label("harvesterhci.io/creator", "harvester")
                .cores(1).memory("1G").efi()
                .runStrategy(VirtualMachine.RERUN_ON_FAILURE)
                .evictionStrategy("LiveMigrateIfPossible");
        return switch (cpuMode) {
            case HOST_PASSTHROUGH -> vm.hostPassthrough();
            case HOST_MODEL, NONE -> vm.hostModel();
            case NAMED_MODEL -> throw new IllegalArgumentException("the repo VM has no named CPU model");
        };
    }

    private static Scenario.VmSpec repoCdroms(Scenario.VmSpec vm, String vmName) {
        return vm.cdrom("disk-0", "scsi", vmName + "-disk-0").cloudInitCdrom("cloudinitdisk", "scsi", "#cloud-config\n");
    }

    /**
     * A three-node Harvester cluster upgrading to {@code version}, ready for Harvester alone: {@link
     * #harvesterUpgradeCluster} with restoreVM on (v1.6+: otherwise Harvester's webhook refuses the upgrade while
     * non-migratable VMs run) or, on v1.5 where restoreVM does not lift that check, the Upgrade marked to skip the
     * webhook.
     */
    public static Scenario harvesterUpgrade(String version) {
        HarvesterSpec spec = HarvesterSpec.of(version);
        if (spec.version().restoreVmLiftsAdmissionCheck()) {
            spec.restoreVm(true);
        } else {
            spec.skipWebhook();
        }
        return harvesterUpgradeCluster(spec).build();
    }

    /**
     * Skylake, Skylake and a smaller EPYC node, all three etcd + control plane + worker (node-1 the init node),
     * KubeVirt of that release, VMs made the way Harvester makes them (runStrategy RerunOnFailure):
     * <ul>
     *   <li>node-1: the upgrade-repo VM (host-passthrough, CD-ROMs), {@code default/zone-pinned} (nodeSelector
     *   zone-a, which node-1 and node-2 carry), {@code default/web-1} (plain, host-model)</li>
     *   <li>node-2: {@code default/installer-iso} (a PVC disk and an ISO CD-ROM), {@code default/db-1} (plain)</li>
     *   <li>node-3: {@code default/batch-1} (named model Penryn, which both vendors offer)</li>
     * </ul>
     * Memory is laid out so that every VM KubeVirt evacuates finds a CPU-compatible target.
     */
    public static Scenario.Builder harvesterUpgradeCluster(HarvesterSpec spec) {
        String zone = "topology.kubernetes.io/zone";
        return Scenario.builder()
                .kubeVirt(Scenario.HARVESTER_NAMESPACE, spec.version().kubeVirtVersion())
                .harvester(spec)
                .node(Scenario.node("node-1", CpuProfile.SKYLAKE).memory("32Gi").machine("custom-4d1c2f0a9b3e")
                        .roles(RancherRole.ETCD, RancherRole.CONTROL_PLANE, RancherRole.WORKER).initNode()
                        .label(zone, "zone-a"))
                .node(Scenario.node("node-2", CpuProfile.SKYLAKE).memory("32Gi").machine("custom-7e5a8b1c6d2f")
                        .roles(RancherRole.ETCD, RancherRole.CONTROL_PLANE, RancherRole.WORKER).label(zone, "zone-a"))
                .node(Scenario.node("node-3", CpuProfile.EPYC).memory("16Gi").machine("custom-9f3b6c2d8e1a")
                        .roles(RancherRole.ETCD, RancherRole.CONTROL_PLANE, RancherRole.WORKER).label(zone, "zone-b"))
                .vm(harvesterRepoVm(spec.upgradeName(), "node-1", Scenario.CpuMode.HOST_PASSTHROUGH))
                .vm(harvesterVm("zone-pinned", "node-1").memory("1Gi").nodeSelector(zone, "zone-a"))
                .vm(harvesterVm("web-1", "node-1").memory("2Gi"))
                .vm(harvesterVm("installer-iso", "node-2").memory("2Gi")
                        .pvcDisk("rootdisk", "installer-iso-rootdisk").cdrom("cdrom", "sata", "installer-iso-image"))
                .vm(harvesterVm("db-1", "node-2").memory("2Gi"))
                .vm(Scenario.vm("default", "batch-1").on("node-3").namedModel("Penryn").memory("2Gi")
                        .runStrategy(VirtualMachine.RERUN_ON_FAILURE));
    }

    private static Scenario.VmSpec harvesterVm(String name, String node) {
        return Scenario.vm("default", name).on(node).hostModel().runStrategy(VirtualMachine.RERUN_ON_FAILURE);
    }
}
