package io.drainpilot.sim;

import io.drainpilot.kubevirt.KubeVirtNames;
import io.drainpilot.kubevirt.MigrationPhase;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.kubevirt.VirtualMachineInstanceMigration;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * KubeVirt's evacuation controller (virt-controller's {@code drain/evacuation}): on a node tainted with the drain
 * taint ({@code kubevirt.io/drain}, effect NoSchedule) every VMI, and elsewhere every VMI marked for eviction
 * ({@code status.evacuationNodeName}, set by the eviction webhook), gets a migration
 * {@code generateName: kubevirt-evacuation-} annotated {@code kubevirt.io/evacuationMigration: <node>}. A VMI that
 * has any unfinished migration, whoever created it, gets none. Each pass creates at most as many as the free slots:
 * {@code parallelMigrationsPerCluster} minus the running migrations, and {@code parallelOutboundMigrationsPerNode}
 * minus the running migrations of this node's VMIs; like KubeVirt it counts only migrations past Pending as running,
 * so Pending ones (a migration in backoff, or waiting for the migration controller) do not hold a slot here. After a
 * failed evacuation migration KubeVirt's migration controller keeps the next one Pending for a backoff (20 s,
 * doubling): see {@link MigrationController}.
 *
 * <p>Simplifications: there are no virt-launcher pods, so the "only one active pod" check is left out; the
 * cluster-wide default eviction strategy is taken as unset (each VMI's own {@code spec.evictionStrategy} decides);
 * the "VirtualMachineInstance is not migrateable" events for non-migratable VMIs are not written.
 */
final class EvacuationController {
    private static final Logger LOG = LoggerFactory.getLogger(EvacuationController.class);

    private final KubernetesClient client;
    private final ClusterWriter writer;

    EvacuationController(KubernetesClient client, ClusterWriter writer) {
        this.client = client;
        this.writer = writer;
    }

    void reconcile(ClusterView view) {
        List<VirtualMachineInstanceMigration> unfinished = view.migrations().stream()
                .filter(m -> !m.phase().isFinal()).toList();
        Set<String> hasMigration = new HashSet<>();
        unfinished.forEach(m -> hasMigration.add(ClusterView.key(m.getMetadata().getNamespace(), m.vmiName())));
        List<VirtualMachineInstanceMigration> running = new ArrayList<>(unfinished.stream()
                .filter(EvacuationController::isRunning).toList());
        for (Node node : view.nodes().values()) {
            String nodeName = node.getMetadata().getName();
            List<VirtualMachineInstance> onNode = view.vmis().values().stream()
                    .filter(v -> nodeName.equals(v.nodeName().orElse(null))).toList();
            List<VirtualMachineInstance> toMigrate = hasDrainTaint(node, view.nodeDrainTaintKey()) ? onNode
                    : onNode.stream().filter(EvacuationController::markedForEviction).toList();
            if (toMigrate.isEmpty()) {
                continue;
            }
            List<VirtualMachineInstance> candidates = toMigrate.stream()
                    .filter(v -> !isFinal(v) && v.getMetadata().getDeletionTimestamp() == null && !beingStopped(v, view))
                    .filter(EvacuationController::migratableOnEviction)
                    .filter(EvacuationController::liveMigratable)
                    .filter(v -> !hasMigration.contains(ClusterView.key(v)))
                    .toList();
            if (candidates.isEmpty()) {
                continue;
            }
            Set<String> onNodeKeys = new HashSet<>();
            onNode.forEach(v -> onNodeKeys.add(ClusterView.key(v)));
            long fromThisNode = running.stream()
                    .filter(m -> onNodeKeys.contains(ClusterView.key(m.getMetadata().getNamespace(), m.vmiName())))
                    .count();
            long freeSpots = Math.min(view.parallelMigrationsPerCluster() - running.size(),
                    view.parallelOutboundMigrationsPerNode() - fromThisNode);
            for (VirtualMachineInstance vmi : candidates.subList(0, (int) Math.max(0, Math.min(freeSpots, candidates.size())))) {
                create(vmi, nodeName).ifPresent(m -> hasMigration.add(ClusterView.key(vmi)));
            }
        }
    }

    private java.util.Optional<VirtualMachineInstanceMigration> create(VirtualMachineInstance vmi, String node) {
        VirtualMachineInstanceMigration vmim = new VirtualMachineInstanceMigration();
        vmim.setMetadata(new ObjectMetaBuilder().withNamespace(vmi.getMetadata().getNamespace())
                .withGenerateName(HarvesterNames.EVACUATION_MIGRATION_PREFIX)
                .withAnnotations(Map.of(KubeVirtNames.ANNOTATION_EVACUATION_MIGRATION, node)).build());
        VirtualMachineInstanceMigration.Spec spec = new VirtualMachineInstanceMigration.Spec();
        spec.vmiName = vmi.getMetadata().getName();
        vmim.setSpec(spec);
        try {
            VirtualMachineInstanceMigration created = client.resource(vmim).create();
            writer.event(vmi, "Normal", "SuccessfulCreate", "Created Migration " + created.getMetadata().getName());
            LOG.info("evacuation of {}: migration {} for {}", node, created.getMetadata().getName(), ClusterView.key(vmi));
            return java.util.Optional.of(created);
        } catch (KubernetesClientException e) {
            // someone else's migration got in first, or the VMI went away: the next pass sees it
            writer.event(vmi, "Warning", "FailedCreate", "Error creating a Migration: " + e.getMessage());
            LOG.info("evacuation of {}: no migration for {}: {}", node, ClusterView.key(vmi), e.getMessage());
            return java.util.Optional.empty();
        }
    }

    /**
     * The VM was just stopped (runStrategy Halted, or a stop request): KubeVirt would have set the VMI's
     * deletionTimestamp by now; the simulated VM controller sets it in the same tick, after this tick's view was read.
     */
    private static boolean beingStopped(VirtualMachineInstance vmi, ClusterView view) {
        return view.vms().stream().anyMatch(vm -> ClusterView.key(vm).equals(ClusterView.key(vmi))
                && (io.drainpilot.kubevirt.VirtualMachine.HALTED.equals(vm.runStrategy()) || stopRequested(vm, vmi)));
    }

    /** The stop subresource left a stop request for this VMI (RerunOnFailure, Manual). */
    private static boolean stopRequested(io.drainpilot.kubevirt.VirtualMachine vm, VirtualMachineInstance vmi) {
        var requests = vm.getStatus() == null ? null : vm.getStatus().stateChangeRequests;
        return requests != null && requests.stream().anyMatch(r -> io.drainpilot.kubevirt.VirtualMachine.StateChangeRequest
                .STOP.equals(r.action) && java.util.Objects.equals(r.uid, vmi.getMetadata().getUid()));
    }

    static boolean hasDrainTaint(Node node, String key) {
        List<Taint> taints = node.getSpec() == null || node.getSpec().getTaints() == null ? List.of()
                : node.getSpec().getTaints();
        return taints.stream().anyMatch(t -> key.equals(t.getKey()) && "NoSchedule".equals(t.getEffect()));
    }

    /** Marked by the eviction webhook, still on that node and not migrating. */
    private static boolean markedForEviction(VirtualMachineInstance vmi) {
        String evacuation = vmi.getStatus() == null ? null : vmi.getStatus().evacuationNodeName;
        return evacuation != null && !evacuation.isEmpty() && evacuation.equals(vmi.nodeName().orElse(null))
                && !isMigrating(vmi);
    }

    private static boolean isMigrating(VirtualMachineInstance vmi) {
        var state = vmi.getStatus() == null ? null : vmi.getStatus().migrationState;
        return state != null && state.startTimestamp != null && state.endTimestamp == null;
    }

    /** LiveMigrate always; LiveMigrateIfPossible only when migratable; None and External never. */
    static boolean migratableOnEviction(VirtualMachineInstance vmi) {
        String strategy = vmi.getSpec() == null ? null : vmi.getSpec().evictionStrategy;
        if ("LiveMigrate".equals(strategy)) {
            return true;
        }
        return "LiveMigrateIfPossible".equals(strategy) && liveMigratable(vmi);
    }

    static boolean liveMigratable(VirtualMachineInstance vmi) {
        return vmi.getStatus() != null && vmi.getStatus().conditions != null && vmi.getStatus().conditions.stream()
                .anyMatch(c -> KubeVirtNames.CONDITION_LIVE_MIGRATABLE.equals(c.type) && "True".equals(c.status));
    }

    private static boolean isFinal(VirtualMachineInstance vmi) {
        return "Succeeded".equals(vmi.phase()) || "Failed".equals(vmi.phase());
    }

    /** KubeVirt's VirtualMachineInstanceMigration.IsRunning: past Pending and not final. */
    private static boolean isRunning(VirtualMachineInstanceMigration m) {
        MigrationPhase p = m.phase();
        return p != MigrationPhase.UNSET && p != MigrationPhase.PENDING && !p.isFinal();
    }
}
