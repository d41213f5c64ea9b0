package io.drainpilot.plan;

import io.drainpilot.kubevirt.VirtualMachineInstanceMigration;
import io.drainpilot.names.Names;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Every migration not yet Succeeded or Failed, whoever started it, counted the ways the caps need: cluster-wide,
 * out of each source node, into each target node, and per VMI (never two for one VMI). A deleted migration that
 * KubeVirt has not finished tearing down still counts.
 */
public final class InFlightMigrations {
    private final Map<String, VirtualMachineInstanceMigration> byVmi = new HashMap<>();
    private final Map<String, Integer> outbound = new HashMap<>();
    private final Map<String, Integer> inbound = new HashMap<>();
    private int total;

    /**
     * @param nodesByHostname hostname label value -> node name ({@link TargetSteering#nodesByHostname}), to tell which
     *                        node a steered migration not yet scheduled is heading for
     */
    public static InFlightMigrations of(Collection<VirtualMachineInstanceMigration> all, Map<String, String> nodesByHostname) {
        InFlightMigrations f = new InFlightMigrations();
        for (VirtualMachineInstanceMigration m : all) {
            if (!m.phase().isFinal()) {
                f.add(m, sourceOf(m).orElse(null), targetOf(m, nodesByHostname).orElse(null));
            }
        }
        return f;
    }

    private void add(VirtualMachineInstanceMigration m, String source, String target) {
        byVmi.put(key(m.getMetadata().getNamespace(), m.vmiName()), m);
        total++;
        if (source != null) {
            outbound.merge(source, 1, Integer::sum);
        }
        if (target != null) {
            inbound.merge(target, 1, Integer::sum);
        }
    }

    public Optional<VirtualMachineInstanceMigration> forVmi(String namespace, String vmi) {
        return Optional.ofNullable(byVmi.get(key(namespace, vmi)));
    }

    public int total() {
        return total;
    }

    public int outOf(String node) {
        return outbound.getOrDefault(node, 0);
    }

    public int into(String node) {
        return inbound.getOrDefault(node, 0);
    }

    public static Optional<String> sourceOf(VirtualMachineInstanceMigration m) {
        String ours = Names.sourceNodeOf(m.getMetadata().getLabels(), m.getMetadata().getAnnotations());
        if (ours != null) {
            return Optional.of(ours);
        }
        return Optional.ofNullable(m.getStatus()).map(s -> s.migrationState).map(s -> s.sourceNode);
    }

    /**
     * The node the migration goes to: the one KubeVirt reports, else the node whose hostname label its
     * addedNodeSelector names (a label value no node carries names no node).
     */
    public static Optional<String> targetOf(VirtualMachineInstanceMigration m, Map<String, String> nodesByHostname) {
        Optional<String> reported = Optional.ofNullable(m.getStatus()).map(s -> s.migrationState).map(s -> s.targetNode);
        if (reported.isPresent()) {
            return reported;
        }
        return Optional.ofNullable(m.getSpec()).map(s -> s.addedNodeSelector).map(s -> s.get(TargetSteering.HOSTNAME_LABEL))
                .map(nodesByHostname::get);
    }

    private static String key(String ns, String vmi) {
        return ns + "/" + vmi;
    }
}
