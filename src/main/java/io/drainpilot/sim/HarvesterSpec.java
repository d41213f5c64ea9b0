package io.drainpilot.sim;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The Harvester upgrade a scenario simulates: which release runs the node phase, the Upgrade's name, the Rancher
 * drain hooks besides Harvester's own, and the {@code upgrade-config} setting. The Upgrade CR itself is created when
 * the upgrade starts ({@link HarvesterUpgradeSimulator#startUpgrade()}), as a user creates it.
 */
public final class HarvesterSpec {
    private final HarvesterVersion version;
    private String previousVersion;
    private String upgradeName = Scenarios.UPGRADE;
    private final Set<String> extraPreDrainHooks = new LinkedHashSet<>();
    private final Set<String> extraPostDrainHooks = new LinkedHashSet<>();
    private boolean restoreVm;
    private boolean manualNodeUpgrade;
    private final List<String> pauseNodes = new ArrayList<>();
    private boolean skipWebhook;
    private boolean osImageChanges = true;
    private boolean autoStart;
    private HarvesterTimings timings = HarvesterTimings.defaults();

    private HarvesterSpec(HarvesterVersion version) {
        this.version = version;
        this.previousVersion = version.previousRelease();
    }

    /** The release whose controllers and node jobs run the node phase, e.g. {@code v1.7.0}. */
    public static HarvesterSpec of(String version) {
        return new HarvesterSpec(HarvesterVersion.parse(version));
    }

    public HarvesterSpec previousVersion(String version) {
        this.previousVersion = Objects.requireNonNull(version);
        return this;
    }

    public HarvesterSpec upgradeName(String name) {
        this.upgradeName = Objects.requireNonNull(name);
        return this;
    }

    /** One more Rancher pre-drain hook (besides {@code harvesterhci.io/pre-hook}), e.g. {@code drainpilot.io/pre-hook}. */
    public HarvesterSpec preDrainHook(String annotation) {
        extraPreDrainHooks.add(Objects.requireNonNull(annotation));
        return this;
    }

    /** One more Rancher post-drain hook (besides {@code harvesterhci.io/post-hook}). */
    public HarvesterSpec postDrainHook(String annotation) {
        extraPostDrainHooks.add(Objects.requireNonNull(annotation));
        return this;
    }

    /** {@code upgrade-config} {@code restoreVM}: Harvester's default is false. */
    public HarvesterSpec restoreVm(boolean restore) {
        this.restoreVm = restore;
        return this;
    }

    /**
     * {@code upgrade-config} {@code nodeUpgradeOption.strategy.mode=manual} (v1.7+): the Upgrade is created with a
     * pause map pausing these nodes, or every node when none is named.
     */
    public HarvesterSpec manualNodeUpgrade(String... nodes) {
        this.manualNodeUpgrade = true;
        this.pauseNodes.addAll(List.of(nodes));
        return this;
    }

    /** The Upgrade carries {@code harvesterhci.io/skipWebhook: "true"}: the upgrade webhook's checks are skipped. */
    public HarvesterSpec skipWebhook() {
        this.skipWebhook = true;
        return this;
    }

    /**
     * Whether the new release brings a new OS image (true for real minor upgrades): the post-drain job then ends
     * before the node reboots into it, the node waits in {@code Waiting Reboot}, and Harvester's restore-vm job is
     * not created. False: the node succeeds as the post-drain job completes and stopped VMs are restored.
     */
    public HarvesterSpec osImageChanges(boolean changes) {
        this.osImageChanges = changes;
        return this;
    }

    /** The upgrade starts as soon as the simulated cluster runs, without {@link HarvesterUpgradeSimulator#startUpgrade()}. */
    public HarvesterSpec autoStart() {
        this.autoStart = true;
        return this;
    }

    public HarvesterSpec timings(HarvesterTimings timings) {
        this.timings = Objects.requireNonNull(timings);
        return this;
    }

    public HarvesterVersion version() {
        return version;
    }

    public String previousVersion() {
        return previousVersion;
    }

    public String upgradeName() {
        return upgradeName;
    }

    /** The pre-drain hooks besides Harvester's, in the order given. */
    public List<String> extraPreDrainHooks() {
        return List.copyOf(extraPreDrainHooks);
    }

    /** Harvester's hook first, then the extra ones in the order given. */
    public List<String> preDrainHooks() {
        List<String> hooks = new ArrayList<>(List.of(HarvesterNames.PRE_HOOK));
        hooks.addAll(extraPreDrainHooks);
        return hooks;
    }

    public List<String> postDrainHooks() {
        List<String> hooks = new ArrayList<>(List.of(HarvesterNames.POST_HOOK));
        hooks.addAll(extraPostDrainHooks);
        return hooks;
    }

    public boolean restoreVm() {
        return restoreVm;
    }

    public boolean manualNodeUpgrade() {
        return manualNodeUpgrade;
    }

    public List<String> pauseNodes() {
        return List.copyOf(pauseNodes);
    }

    public boolean skipsWebhook() {
        return skipWebhook;
    }

    public boolean osImageChanges() {
        return osImageChanges;
    }

    public boolean startsAutomatically() {
        return autoStart;
    }

    public HarvesterTimings timings() {
        return timings;
    }

    /** What {@code kubectl get node -o jsonpath={.status.nodeInfo.osImage}} says before and after. */
    String osImageBefore() {
        return "Harvester " + previousVersion;
    }

    String osImageAfter() {
        return osImageChanges ? "Harvester " + version.text() : osImageBefore();
    }
}
