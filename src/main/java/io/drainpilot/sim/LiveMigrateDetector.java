package io.drainpilot.sim;

import io.drainpilot.kubevirt.KubeVirtNames;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Harvester's {@code upgrade-helper vm-live-migrate-detector <node> --shutdown}: which VMIs on a node it considers
 * not live-migratable, and why (its {@code GetAllNonLiveMigratableVMINames}). The pre-drain job then stops each of
 * them through the VM's {@code stop} subresource ({@code VirtualMachine(ns).Stop}), not by changing runStrategy.
 *
 * <p>Per release, as in Harvester's sources:
 * <ul>
 *   <li>It lists the VMIs labelled {@code kubevirt.io/nodeName=<node>} at the moment it runs; v1.5 adds
 *   {@code !harvesterhci.io/upgrade} to the selector, so the upgrade-repo VM is never on its list.</li>
 *   <li>One node: v1.5 stops nothing; from v1.6, one non-witness node means every listed VMI is stopped.</li>
 *   <li>Then, first match wins: any {@code spec.nodeSelector} (even one every node matches); any
 *   {@code spec.domain.devices.hostDevices} (GPUs are not looked at); required node affinity that no other
 *   schedulable node matches (from v1.6 witness nodes do not count; the VMI's own node never does); a CD-ROM disk or
 *   a container disk (from v1.4.2 until v1.8, so in all three releases here).</li>
 * </ul>
 * A VMI's LiveMigratable condition is not among its criteria.
 */
final class LiveMigrateDetector {

    /** One VMI the detector would stop. */
    record Finding(String namespace, String name, StopReason reason) {
        String key() {
            return ClusterView.key(namespace, name);
        }
    }

    private LiveMigrateDetector() {
    }

    /** The VMIs the detector lists for {@code node}. */
    static List<VirtualMachineInstance> listed(HarvesterVersion version, Collection<VirtualMachineInstance> vmis,
                                               String node) {
        return vmis.stream()
                .filter(v -> node.equals(v.label(KubeVirtNames.LABEL_NODE_NAME)))
                .filter(v -> !version.detectorSkipsUpgradeLabelled() || v.label(HarvesterNames.UPGRADE_LABEL) == null)
                .toList();
    }

    /** Harvester's GetAllNonLiveMigratableVMINames for the listed VMIs, in list order. */
    static List<Finding> nonLiveMigratable(HarvesterVersion version, List<VirtualMachineInstance> vmis,
                                           Collection<Node> nodes) {
        List<Node> considered = version.ignoresWitnessNodes() ? nodes.stream()
                .filter(n -> !TargetScheduler.labels(n).containsKey(HarvesterNames.WITNESS_NODE_LABEL)).toList()
                : List.copyOf(nodes);
        List<Finding> findings = new ArrayList<>();
        if (considered.size() == 1) {
            if (version.singleNodeStopsEveryVm()) {
                vmis.forEach(v -> findings.add(finding(v, StopReason.SINGLE_NODE)));
            }
            return findings;
        }
        for (VirtualMachineInstance vmi : vmis) {
            reason(vmi, considered).ifPresent(r -> findings.add(finding(vmi, r)));
        }
        return findings;
    }

    private static java.util.Optional<StopReason> reason(VirtualMachineInstance vmi, List<Node> nodes) {
        if (vmi.getSpec() != null && vmi.getSpec().nodeSelector != null) {
            return java.util.Optional.of(StopReason.NODE_SELECTOR);
        }
        if (devices(vmi).get("hostDevices") != null) {
            return java.util.Optional.of(StopReason.HOST_DEVICE);
        }
        if (!migratableByNodeAffinity(vmi, nodes)) {
            return java.util.Optional.of(StopReason.NODE_AFFINITY);
        }
        if (hasCdromOrContainerDisk(vmi)) {
            return java.util.Optional.of(StopReason.CDROM_OR_CONTAINER_DISK);
        }
        return java.util.Optional.empty();
    }

    /** True when some other schedulable node matches the VMI's required node affinity (or it has none). */
    private static boolean migratableByNodeAffinity(VirtualMachineInstance vmi, List<Node> nodes) {
        String own = vmi.nodeName().orElse(null);
        List<NodeSelectorTerm> terms = RequiredNodeAffinity.terms(vmi);
        for (Node node : nodes) {
            if (node.getMetadata().getName().equals(own)) {
                continue;
            }
            if (node.getSpec() != null && Boolean.TRUE.equals(node.getSpec().getUnschedulable())) {
                continue;
            }
            if (terms == null || RequiredNodeAffinity.matchesAnyTerm(terms, TargetScheduler.labels(node))) {
                return true;
            }
        }
        return false;
    }

    static boolean hasCdromOrContainerDisk(VirtualMachineInstance vmi) {
        if (listOfMaps(devices(vmi).get("disks")).stream().anyMatch(d -> d.get("cdrom") != null)) {
            return true;
        }
        Object volumes = vmi.getSpec() == null ? null : vmi.getSpec().unknownFields().get("volumes");
        return listOfMaps(volumes).stream().anyMatch(v -> v.get("containerDisk") != null);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> devices(VirtualMachineInstance vmi) {
        Object devices = vmi.getSpec() == null || vmi.getSpec().domain == null ? null
                : vmi.getSpec().domain.unknownFields().get("devices");
        return devices instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> listOfMaps(Object value) {
        if (!(value instanceof List<?> list)) {
            return List.of();
        }
        return list.stream().filter(Map.class::isInstance).map(o -> (Map<String, Object>) o).toList();
    }

    private static Finding finding(VirtualMachineInstance vmi, StopReason reason) {
        return new Finding(vmi.getMetadata().getNamespace(), vmi.getMetadata().getName(), reason);
    }
}
