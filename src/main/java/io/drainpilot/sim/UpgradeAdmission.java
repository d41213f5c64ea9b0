package io.drainpilot.sim;

import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.fabric8.kubernetes.api.model.Node;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Harvester's Upgrade webhooks where they bear on VMs: the mutator that adds the pause map in manual node-upgrade
 * mode (v1.7+), and the validator's pause-map check and non-live-migratable VM check. The validator refuses an
 * Upgrade while VMs the detector would stop are running, unless the Upgrade skips the webhook, restoreVM is on
 * (v1.6+; v1.5 refuses regardless) or (v1.6+) the cluster has one non-witness node. The upgrade-repo VM of this
 * upgrade is left out: in a real cluster it does not exist before the Upgrade does.
 *
 * <p>The validator's other checks (volumes, backups, certificates, machines, versions) are not simulated.
 */
final class UpgradeAdmission {
    static final String DENIED = "admission webhook \"validator.harvesterhci.io\" denied the request: ";

    private UpgradeAdmission() {
    }

    /** The pause map the mutator writes, or empty (auto mode, or a release without it). */
    static Optional<Map<String, String>> pauseMap(HarvesterSpec spec, Collection<Node> nodes) {
        if (!spec.version().honoursPauseMap() || !spec.manualNodeUpgrade()) {
            return Optional.empty();
        }
        List<String> names = nodes.stream().map(n -> n.getMetadata().getName()).sorted().toList();
        List<String> paused = spec.pauseNodes().isEmpty() ? names
                : names.stream().filter(spec.pauseNodes()::contains).toList();
        if (paused.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(paused.stream().collect(Collectors.toMap(n -> n, n -> HarvesterNames.PAUSE,
                (a, b) -> a, java.util.TreeMap::new)));
    }

    /** @return the webhook's denial, or empty when the Upgrade would be admitted */
    static Optional<String> deny(HarvesterSpec spec, Collection<Node> nodes, Collection<VirtualMachineInstance> vmis,
                                 Map<String, String> pauseMap) {
        if (spec.skipsWebhook()) {
            return Optional.empty();
        }
        if (spec.version().honoursPauseMap()) {
            List<String> existing = nodes.stream().map(n -> n.getMetadata().getName()).toList();
            for (Map.Entry<String, String> e : pauseMap.entrySet()) {
                if (!HarvesterNames.PAUSE.equals(e.getValue()) && !HarvesterNames.UNPAUSE.equals(e.getValue())) {
                    return Optional.of(DENIED + "desired action for node " + e.getKey() + " must be either \"pause\" or \"unpause\"");
                }
                if (!existing.contains(e.getKey())) {
                    return Optional.of(DENIED + "node " + e.getKey() + " does not exist");
                }
            }
        }
        HarvesterVersion v = spec.version();
        if (v.restoreVmLiftsAdmissionCheck()) {
            if (spec.restoreVm()) {
                return Optional.empty();
            }
            long nonWitness = nodes.stream()
                    .filter(n -> !TargetScheduler.labels(n).containsKey(HarvesterNames.WITNESS_NODE_LABEL)).count();
            if (nonWitness == 1) {
                return Optional.empty();
            }
        }
        List<VirtualMachineInstance> candidates = vmis.stream()
                .filter(vmi -> !spec.upgradeName().equals(vmi.label(HarvesterNames.UPGRADE_LABEL))).toList();
        List<String> names = LiveMigrateDetector.nonLiveMigratable(v, candidates, nodes).stream()
                .map(LiveMigrateDetector.Finding::key).toList();
        if (names.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(DENIED + "There are non-live migratable VMs that need to be shut off before initiating the"
                + " upgrade: " + String.join(", ", names));
    }
}
