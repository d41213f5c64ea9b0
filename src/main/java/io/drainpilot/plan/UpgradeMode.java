package io.drainpilot.plan;

import io.drainpilot.work.HarvesterUpgrade;

import java.util.Optional;

/**
 * How DrainPilot takes part in a Harvester upgrade, and why. Pure.
 * <ul>
 *   <li>{@link Mode#CONDUCTOR}: it keeps the nodes not yet upgraded paused in the Upgrade's node-upgrade pause map,
 *   evacuates the next node and only then hands it to Harvester, whose pre-drain job finds it empty (Harvester
 *   v1.7 and later honour the pause map);</li>
 *   <li>{@link Mode#HOOK}: it answers Rancher's pre-drain hook beside Harvester's own job, starting as early as it
 *   can and moving first the VMs that job would stop;</li>
 *   <li>{@link Mode#NONE}: no Harvester upgrade runs.</li>
 * </ul>
 */
public final class UpgradeMode {

    public enum Mode {
        CONDUCTOR("conductor"), HOOK("hook"), NONE("none");

        private final String wire;

        Mode(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }
    }

    public record Decision(Mode mode, String why) {
        public String describe() {
            return mode.wire() + " (" + why + ")";
        }
    }


    private UpgradeMode() {
    }

    /**
     * @param setting       {@code drainpilot.harvester.conductor}: auto, on or off
     * @param serverVersion Harvester's {@code server-version} setting, when it can be read
     * @param upgrade       the running upgrade, if any
     */
    public static Decision decide(String setting, Optional<String> serverVersion, Optional<HarvesterUpgrade> upgrade) {
        if (upgrade.isEmpty()) {
            return new Decision(Mode.NONE, "no Harvester upgrade is running");
        }
        HarvesterUpgrade u = upgrade.get();
        if (u.conductorOff()) {
            return new Decision(Mode.HOOK, "Upgrade " + u.name() + " is annotated drainpilot.io/conductor=off:"
                    + " DrainPilot answers the Rancher pre-drain hook only");
        }
        if ("off".equals(setting)) {
            return new Decision(Mode.HOOK, "drainpilot.harvester.conductor=off: DrainPilot answers the Rancher"
                    + " pre-drain hook only");
        }
        String version = serverVersion.orElse(u.version());
        boolean pauseMap = honoursPauseMap(version);
        if ("on".equals(setting)) {
            return new Decision(Mode.CONDUCTOR, "drainpilot.harvester.conductor=on"
                    + (pauseMap ? "" : "; Harvester " + version + " may not honour the node-upgrade pause map"));
        }
        if (pauseMap) {
            return new Decision(Mode.CONDUCTOR, "Harvester " + version + " honours the node-upgrade pause map:"
                    + " each node is evacuated before Harvester's pre-drain job runs");
        }
        return new Decision(Mode.HOOK, (version == null ? "the Harvester version is unknown"
                : "Harvester " + version + " has no node-upgrade pause map")
                + ": DrainPilot answers the Rancher pre-drain hook beside Harvester's pre-drain job and moves first"
                + " the VMs that job would stop");
    }

    /** The pause map arrived with Harvester v1.7. */
    public static boolean honoursPauseMap(String version) {
        return ReleaseVersion.parse(version).map(v -> v.atLeast(1, 7)).orElse(false);
    }

    /** The minor release (5 for v1.5.2), or -1 when unknown. */
    public static int minor(String version) {
        return ReleaseVersion.parse(version).filter(v -> v.major() == 1).map(ReleaseVersion::minor).orElse(-1);
    }
}
