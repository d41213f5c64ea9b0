package io.drainpilot.plan;

import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.names.Names;
import io.fabric8.kubernetes.api.model.Node;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Whether Harvester's pre-drain job ({@code vm-live-migrate-detector --shutdown}) would stop this VM when its node's
 * turn comes, and why, for the Harvester release running the upgrade. Its criteria, first match wins: one
 * non-witness node (v1.6+: every VM); any nodeSelector; a host device; required node affinity no other schedulable
 * node matches; a CD-ROM or a container disk. v1.5 never lists VMs labelled {@code harvesterhci.io/upgrade} (the
 * upgrade-repo VM). The detector looks neither at GPUs nor at KubeVirt's LiveMigratable condition. Pure.
 */
public final class HarvesterRisk {
    static final String WITNESS = "node-role.harvesterhci.io/witness";

    private HarvesterRisk() {
    }

    /** Why the job would stop the VM, or empty when it would leave it to KubeVirt's evacuation. */
    public static Optional<String> stopReason(VirtualMachineInstance vmi, int harvesterMinor, Collection<Node> nodes) {
        if (harvesterMinor >= 0 && harvesterMinor <= 5 && vmi.label(Names.HARVESTER_UPGRADE) != null) {
            return Optional.empty();
        }
        List<Node> counted = nodes.stream().filter(n -> harvesterMinor < 6 || !labels(n).containsKey(WITNESS)).toList();
        if (counted.size() <= 1) {
            return harvesterMinor >= 6 ? Optional.of("one node: every VM is stopped") : Optional.empty();
        }
        var spec = vmi.getSpec();
        if (spec != null && spec.nodeSelector != null) {
            return Optional.of("it has a nodeSelector");
        }
        Map<String, Object> devices = devices(vmi);
        if (devices.get("hostDevices") != null) {
            return Optional.of("it has a host device");
        }
        if (!otherNodeMatchesAffinity(vmi, counted)) {
            return Optional.of("no other schedulable node matches its required node affinity");
        }
        if (listOfMaps(devices.get("disks")).stream().anyMatch(d -> d.get("cdrom") != null)) {
            return Optional.of("it has a CD-ROM");
        }
        Object volumes = spec == null ? null : spec.unknownFields().get("volumes");
        if (listOfMaps(volumes).stream().anyMatch(v -> v.get("containerDisk") != null)) {
            return Optional.of("it has a container disk");
        }
        return Optional.empty();
    }

    private static boolean otherNodeMatchesAffinity(VirtualMachineInstance vmi, List<Node> nodes) {
        var affinity = vmi.getSpec() == null ? null : vmi.getSpec().affinity;
        String own = vmi.nodeName().orElse(null);
        return nodes.stream().filter(n -> !n.getMetadata().getName().equals(own))
                .filter(n -> n.getSpec() == null || !Boolean.TRUE.equals(n.getSpec().getUnschedulable()))
                .anyMatch(n -> NodeAffinity.mismatch(affinity, n).isEmpty());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> devices(VirtualMachineInstance vmi) {
        var domain = vmi.getSpec() == null ? null : vmi.getSpec().domain;
        Object d = domain == null ? null : domain.unknownFields().get("devices");
        return d instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> listOfMaps(Object o) {
        if (!(o instanceof List<?> l)) {
            return List.of();
        }
        return l.stream().filter(x -> x instanceof Map<?, ?>).map(x -> (Map<String, Object>) x).toList();
    }

    private static Map<String, String> labels(Node n) {
        return n.getMetadata().getLabels() == null ? Map.of() : n.getMetadata().getLabels();
    }
}
