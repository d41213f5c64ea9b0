package io.drainpilot.sim;

/**
 * How long the parts of a Harvester upgrade the simulation does not act out take, in real-world seconds. Every
 * value is scaled by {@link SimSettings#timeScale()} like KubeVirt's timeouts.
 *
 * @param imagePreloadPerNode   the prepare job of one node (images pulled from the repo), nodes one after another
 * @param systemServices        the apply-manifests job (charts, KubeVirt, Harvester itself)
 * @param jobStart              from Job creation to the script's first real step: pod start, rancher-system-agent
 *                              restart, the Longhorn volume health loop (5-30 s in real clusters)
 * @param jobPoll               the scripts' wait loops ({@code sleep 5})
 * @param repoPoll              {@code wait_repo}'s loop ({@code sleep 10})
 * @param unpauseRequeue        after a node is unpaused Harvester re-checks its plan Secret this much later
 * @param kubernetesUpgrade     Rancher applying the new RKE2 plan on the drained node
 * @param osUpgrade             the post-drain job's OS image upgrade ({@code elemental upgrade})
 * @param reboot                from the post-drain job's end to the node reporting its new OS image
 * @param drainTimeout          Rancher's drain timeout (Harvester leaves it 0, which Rancher turns into 600 s)
 */
public record HarvesterTimings(double imagePreloadPerNode, double systemServices, double jobStart, double jobPoll,
                               double repoPoll, double unpauseRequeue, double kubernetesUpgrade, double osUpgrade,
                               double reboot, double drainTimeout) {

    public HarvesterTimings {
        double[] all = {imagePreloadPerNode, systemServices, jobStart, jobPoll, repoPoll, unpauseRequeue,
                kubernetesUpgrade, osUpgrade, reboot, drainTimeout};
        for (double d : all) {
            if (d < 0) {
                throw new IllegalArgumentException("durations must not be negative");
            }
        }
    }

    /** Values in the range seen on small real clusters, shortened where only the order matters. */
    public static HarvesterTimings defaults() {
        return new HarvesterTimings(20, 30, 15, 5, 10, 5, 30, 30, 45, 600);
    }

    public HarvesterTimings withJobStart(double seconds) {
        return new HarvesterTimings(imagePreloadPerNode, systemServices, seconds, jobPoll, repoPoll, unpauseRequeue,
                kubernetesUpgrade, osUpgrade, reboot, drainTimeout);
    }
}
