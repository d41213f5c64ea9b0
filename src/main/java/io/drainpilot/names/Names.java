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
    /**
     * The source node: a label whose value is the node name, or for a name that is no valid label value (longer than
     * 63 characters) its {@link #labelValue shortened form}; the annotation of the same key then holds the full name.
     */
    public static final String SOURCE_NODE = PREFIX + "source-node";
    // VMI/VM labels (in)
    public static final String SKIP = PREFIX + "skip";
    public static final String FALLBACK = PREFIX + "fallback";
    /** VMI/VM label (in): "true" lets the escalation ladder try post-copy (a failed post-copy loses the guest). */
    public static final String ALLOW_POST_COPY = PREFIX + "allow-post-copy";
    /**
     * VMI label (out): set just before an escalated attempt ({@code auto-converge} or {@code post-copy}) so that
     * DrainPilot's MigrationPolicy of that name applies to it; removed once that attempt ends.
     */
    public static final String ESCALATION = PREFIX + "escalation";
    /** DrainPilot's MigrationPolicies, selecting the VMIs by {@link #ESCALATION}. */
    public static final String POLICY_AUTO_CONVERGE = "drainpilot-auto-converge";
    public static final String POLICY_POST_COPY = "drainpilot-post-copy";
    // VMI annotation (out)
    public static final String ATTEMPTS = PREFIX + "attempts";

    // drain reports (out): one ConfigMap per drain in DrainPilot's namespace
    public static final String REPORT = PREFIX + "report";
    /** Label on a drain report: the node, as a {@link #labelValue label value}. */
    public static final String REPORT_NODE = PREFIX + "node";
    /** Label on a drain report: the drain id. */
    public static final String REPORT_DRAIN_ID = PREFIX + "drain-id";
    /** Annotation on a drain report: when it was first written (RFC 3339, to the millisecond); the oldest go first. */
    public static final String REPORT_ENDED_AT = PREFIX + "ended-at";
    public static final String REPORT_JSON = "report.json";
    public static final String REPORT_TEXT = "report.txt";
    static final String REPORT_PREFIX = "drainpilot-report-";

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

    private static final java.util.regex.Pattern LABEL_VALUE =
            java.util.regex.Pattern.compile("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");
    /** Characters of the name kept in a shortened label value; the rest is '-' and a 10-digit hash. */
    static final int KEPT = 52;

    /**
     * A node name as a label value: the name itself when it is a valid label value (63 characters at most), else its
     * first 52 characters (trailing '-', '.' and '_' dropped), '-' and the first 10 hex digits of the name's SHA-256:
     * the API server refuses a longer label value, and a node name may have up to 253 characters.
     */
    public static String labelValue(String node) {
        if (node.length() <= 63 && LABEL_VALUE.matcher(node).matches()) {
            return node;
        }
        String head = node.substring(0, Math.min(KEPT, node.length())).replaceAll("[^A-Za-z0-9]+$", "");
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(node.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return (head.isEmpty() ? "n" : head) + "-" + java.util.HexFormat.of().formatHex(d).substring(0, 10);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The name of a drain's report ConfigMap: {@code drainpilot-report-<node>-<drain id>}; a node name that would make
     * it longer than a ConfigMap name may be (253) is written as its {@link #labelValue shortened form}.
     */
    public static String reportName(String node, String drainId) {
        String name = REPORT_PREFIX + node + "-" + drainId;
        return name.length() <= 253 ? name : REPORT_PREFIX + labelValue(node).toLowerCase(java.util.Locale.ROOT) + "-" + drainId;
    }

    /** The source node of a migration of ours: the annotation's full name, else the label's value. */
    public static String sourceNodeOf(java.util.Map<String, String> labels, java.util.Map<String, String> annotations) {
        String full = annotations == null ? null : annotations.get(SOURCE_NODE);
        if (full != null && !full.isEmpty()) {
            return full;
        }
        return labels == null ? null : labels.get(SOURCE_NODE);
    }
}
