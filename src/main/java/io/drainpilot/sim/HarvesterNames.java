package io.drainpilot.sim;

/** Names Harvester and Rancher give to things in an upgrade, as their controllers spell them. */
public final class HarvesterNames {
    public static final String GROUP_VERSION = "harvesterhci.io/v1beta1";
    public static final String SETTING_KIND = "Setting";
    public static final String UPGRADE_KIND = "Upgrade";
    public static final String SERVER_VERSION_SETTING = "server-version";
    public static final String UPGRADE_CONFIG_SETTING = "upgrade-config";

    // Upgrade CR
    public static final String LATEST_UPGRADE_LABEL = "harvesterhci.io/latestUpgrade";
    public static final String UPGRADE_STATE_LABEL = "harvesterhci.io/upgradeState";
    public static final String PAUSE_MAP_ANNOTATION = "harvesterhci.io/node-upgrade-pause-map";
    public static final String PAUSE = "pause";
    public static final String UNPAUSE = "unpause";
    public static final String SKIP_WEBHOOK_ANNOTATION = "harvesterhci.io/skipWebhook";

    // Rancher drain hooks Harvester registers on the machine-plan Secret
    public static final String PRE_HOOK = "harvesterhci.io/pre-hook";
    public static final String POST_HOOK = "harvesterhci.io/post-hook";

    // node jobs
    public static final String UPGRADE_LABEL = "harvesterhci.io/upgrade";
    public static final String UPGRADE_COMPONENT_LABEL = "harvesterhci.io/upgradeComponent";
    public static final String NODE_LABEL = "harvesterhci.io/node";
    public static final String JOB_TYPE_LABEL = "harvesterhci.io/upgradeJobType";
    public static final String JOB_PRE_DRAIN = "pre-drain";
    public static final String JOB_POST_DRAIN = "post-drain";
    public static final String JOB_RESTORE_VM = "restore-vm";
    /** The ConfigMap suffix: {@code <upgrade>-restore-vm}, data {@code <node>: ns/vm,ns/vm}. */
    public static final String RESTORE_VM_CONFIG_MAP_SUFFIX = "-restore-vm";
    public static final String PENDING_OS_IMAGE_ANNOTATION = "harvesterhci.io/pendingOSImage";
    public static final String WITNESS_NODE_LABEL = "node-role.harvesterhci.io/witness";
    public static final String REPO_VM_PREFIX = "upgrade-repo-";

    // Rancher (rke.cattle.io) machine-plan Secret
    public static final String RANCHER_DRAIN_OPTIONS = "rke.cattle.io/drain-options";
    public static final String RANCHER_PRE_DRAIN = "rke.cattle.io/pre-drain";
    public static final String RANCHER_DRAIN_DONE = "rke.cattle.io/drain-done";
    public static final String RANCHER_DRAIN_ERROR = "rke.cattle.io/drain-error";
    public static final String RANCHER_UNCORDON = "rke.cattle.io/uncordon";
    public static final String RANCHER_POST_DRAIN = "rke.cattle.io/post-drain";
    public static final String RANCHER_ETCD_ROLE = "rke.cattle.io/etcd-role";
    public static final String RANCHER_CONTROL_PLANE_ROLE = "rke.cattle.io/control-plane-role";
    public static final String RANCHER_WORKER_ROLE = "rke.cattle.io/worker-role";
    public static final String RANCHER_INIT_NODE = "rke.cattle.io/init-node";
    public static final String PROVISIONING_GROUP_VERSION = "provisioning.cattle.io/v1";
    public static final String PROVISIONING_CLUSTER_KIND = "Cluster";
    public static final String LOCAL_CLUSTER = "local";

    // KubeVirt names the upgrade relies on
    public static final String EVACUATION_MIGRATION_PREFIX = "kubevirt-evacuation-";

    private HarvesterNames() {
    }

    /** Harvester's node-job name: {@code <upgrade>-<type>-<node>} (wrangler's SafeConcatName, short names only). */
    static String jobName(String upgrade, String type, String node) {
        return upgrade + "-" + type + "-" + node;
    }

    static String repoVmName(String upgrade) {
        return REPO_VM_PREFIX + upgrade;
    }
}
