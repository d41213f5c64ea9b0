package io.drainpilot.sim;

import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Harvester release whose upgrade controller and node jobs run the node phase of an upgrade: the target
 * version (the pre-drain and post-drain jobs run the upgrade image, and the controllers have been upgraded with the
 * system services before any node is drained). Only the behaviours that differ between v1.5, v1.6 and v1.7 are
 * modelled; other versions are refused rather than guessed.
 */
public final class HarvesterVersion {
    private static final Pattern VERSION = Pattern.compile("v?(\\d+)\\.(\\d+)(?:\\.(\\d+))?(?:[-+].*)?");

    private final String text;
    private final int minor;

    private HarvesterVersion(String text, int minor) {
        this.text = text;
        this.minor = minor;
    }

    /** {@code v1.5.x}, {@code v1.6.x} or {@code v1.7.x}, e.g. {@code v1.7.0} or {@code v1.6.1-rc2}. */
    public static HarvesterVersion parse(String version) {
        Matcher m = VERSION.matcher(Objects.requireNonNull(version));
        if (!m.matches() || !"1".equals(m.group(1))) {
            throw new IllegalArgumentException("not a Harvester v1.x version: " + version);
        }
        int minor = Integer.parseInt(m.group(2));
        if (minor < 5 || minor > 7) {
            throw new IllegalArgumentException("the simulated upgrade knows Harvester v1.5, v1.6 and v1.7, not " + version);
        }
        return new HarvesterVersion(version.startsWith("v") ? version : "v" + version, minor);
    }

    /** As given, with a leading {@code v}: the value of the {@code server-version} setting. */
    public String text() {
        return text;
    }

    public int minor() {
        return minor;
    }

    /** The release upgraded from: the previous minor line. */
    String previousRelease() {
        return "v1." + (minor - 1) + ".0";
    }

    /** The KubeVirt version that Harvester release ships. */
    String kubeVirtVersion() {
        return switch (minor) {
            case 5 -> "v1.4.0";
            case 6 -> "v1.5.0";
            default -> "v1.6.0";
        };
    }

    /** v1.5's detector lists only VMIs without the {@code harvesterhci.io/upgrade} label (the repo VM is skipped). */
    boolean detectorSkipsUpgradeLabelled() {
        return minor == 5;
    }

    /**
     * On a cluster with one node, v1.5's detector stops nothing (it returns early); from v1.6 on, one non-witness
     * node means every VM is stopped.
     */
    boolean singleNodeStopsEveryVm() {
        return minor >= 6;
    }

    /** From v1.6 on, nodes labelled as witness nodes do not count as places a VM could go. */
    boolean ignoresWitnessNodes() {
        return minor >= 6;
    }

    /** From v1.6 on, the detector stores the VMs it finds in the restore-vm ConfigMap, and restoreVM works on many nodes. */
    boolean recordsVmsToRestore() {
        return minor >= 6;
    }

    /** v1.7's pre-drain job stops a VM whose {@code kubevirt-evacuation-*} migration failed. */
    boolean stopsVmsWithFailedEvacuation() {
        return minor >= 7;
    }

    /** v1.7 honours the {@code harvesterhci.io/node-upgrade-pause-map} annotation of the Upgrade. */
    boolean honoursPauseMap() {
        return minor >= 7;
    }

    /** Before v1.6 the upgrade webhook refuses non-migratable VMs whatever restoreVM says. */
    public boolean restoreVmLiftsAdmissionCheck() {
        return minor >= 6;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HarvesterVersion v && v.text.equals(text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    @Override
    public String toString() {
        return text;
    }
}
