package io.drainpilot.kubevirt;

/** Names KubeVirt gives to things; one place so a typo cannot hide in a route or a bean. */
public final class KubeVirtNames {
    public static final String GROUP = "kubevirt.io";
    public static final String VERSION = "v1";

    public static final String LABEL_NODE_NAME = "kubevirt.io/nodeName";
    public static final String LABEL_SCHEDULABLE = "kubevirt.io/schedulable";
    /** A VMI's virt-launcher pods: {@code kubevirt.io=virt-launcher}, {@code kubevirt.io/created-by=<VMI uid>}. */
    public static final String LABEL_APP = "kubevirt.io";
    public static final String VIRT_LAUNCHER = "virt-launcher";
    public static final String LABEL_CREATED_BY = "kubevirt.io/created-by";
    public static final String CONDITION_LIVE_MIGRATABLE = "LiveMigratable";
    public static final String ANNOTATION_EVACUATION_MIGRATION = "kubevirt.io/evacuationMigration";
    public static final String ANNOTATION_UNSCHEDULABLE_TIMEOUT = "kubevirt.io/migrationUnschedulablePodTimeoutSeconds";
    public static final String ANNOTATION_PENDING_TIMEOUT = "kubevirt.io/migrationPendingPodTimeoutSeconds";
    public static final String TAINT_DRAIN = "kubevirt.io/drain";

    public static final String CPU_HOST_MODEL = "host-model";
    public static final String CPU_HOST_PASSTHROUGH = "host-passthrough";

    private KubeVirtNames() {
    }
}
