package io.drainpilot.sim;

/** Why a VM was stopped during the simulated upgrade; the detector's reasons carry its own log wording. */
public enum StopReason {
    /** the cluster has one (non-witness) node: nowhere to go */
    SINGLE_NODE("the cluster has a single node"),
    NODE_SELECTOR("node selectors"),
    HOST_DEVICE("pcie or usb devices"),
    NODE_AFFINITY("node affinities"),
    CDROM_OR_CONTAINER_DISK("CD-ROM or container disk"),
    /** v1.7's pre-drain job: a {@code kubevirt-evacuation-*} migration failed with a FailedMigration warning */
    FAILED_EVACUATION("failed evacuation migration"),
    /** Rancher's drain evicted the virt-launcher pod of a VMI KubeVirt does not migrate on eviction */
    EVICTED_BY_DRAIN("evicted by the node drain");

    private final String text;

    StopReason(String text) {
        this.text = text;
    }

    /** How Harvester's logs word it ("considered non-live migratable due to ..."). */
    public String text() {
        return text;
    }
}
