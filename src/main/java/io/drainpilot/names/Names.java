package io.drainpilot.names;

/**
 * DrainPilot's public surface: every annotation and label it reads or writes. Documented in README;
 * changing one of these breaks the automation that relies on it.
 */
public final class Names {
    public static final String PREFIX = "drainpilot.io/";

    // node annotations (in)
    public static final String DRAIN_REQUESTED = PREFIX + "drain-requested";
    public static final String CANCEL = PREFIX + "cancel";
    // node annotations (out)
    public static final String EVACUATION = PREFIX + "evacuation";
    public static final String EVACUATION_SUMMARY = PREFIX + "evacuation-summary";
    // Rancher pre-drain hook on the machine-plan Secret (in/out)
    public static final String PRE_HOOK = PREFIX + "pre-hook";
    // VMIM labels (out)
    public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String MANAGED_BY_VALUE = "drainpilot";
    public static final String SOURCE_NODE = PREFIX + "source-node";
    // VMI/VM labels (in)
    public static final String SKIP = PREFIX + "skip";
    public static final String FALLBACK = PREFIX + "fallback";
    // VMI annotation (out)
    public static final String ATTEMPTS = PREFIX + "attempts";

    // Harvester Upgrade annotation (in): "off" makes DrainPilot hand every node it paused back to Harvester
    public static final String CONDUCTOR = PREFIX + "conductor";

    // evacuation states written to EVACUATION
    public static final String IN_PROGRESS = "InProgress";
    public static final String COMPLETED = "Completed";
    public static final String BLOCKED = "Blocked";
    public static final String CANCELLED = "Cancelled";

    // Rancher and Harvester names DrainPilot reads
    public static final String RANCHER_PRE_DRAIN = "rke.cattle.io/pre-drain";
    /** On a plan Secret: Rancher's first step of a node's drain, before it cordons and asks the pre-drain hooks. */
    public static final String RANCHER_DRAIN_OPTIONS = "rke.cattle.io/drain-options";
    public static final String RANCHER_MACHINE_NAME_LABEL = "rke.cattle.io/machine-name";
    public static final String RANCHER_PLAN_SECRET_TYPE = "rke.cattle.io/machine-plan";
    public static final String RANCHER_PLAN_NAMESPACE = "fleet-local";
    public static final String CAPI_MACHINE_ANNOTATION = "cluster.x-k8s.io/machine";
    public static final String HARVESTER_DRAIN_REQUESTED = "harvesterhci.io/drain-requested";
    public static final String HARVESTER_UPGRADE_COMPONENT = "harvesterhci.io/upgradeComponent";
    public static final String HARVESTER_UPGRADE = "harvesterhci.io/upgrade";

    private Names() {
    }
}
