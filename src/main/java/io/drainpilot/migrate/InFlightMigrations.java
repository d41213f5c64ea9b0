package io.drainpilot.migrate;

import io.drainpilot.names.Names;
import io.drainpilot.kubevirt.VirtualMachineInstanceMigration;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every migration not yet Succeeded or Failed, whoever started it, counted the ways the caps need:
 * cluster-wide, out of each source node, into each target node, and per VMI (never two for one VMI).
 */
public final class InFlightMigrations {
    private final Map<String, VirtualMachineInstanceMigration> byVmi = new HashMap<>();
    private final Map<String, Integer> outbound = new HashMap<>();
    private final Map<String, Integer> inbound = new HashMap<>();
    private int total;

    public static InFlightMigrations of(List<VirtualMachineInstanceMigration> all) {
        InFlightMigrations f = new InFlightMigrations();
        for (VirtualMachineInstanceMigration m : all) {
            if (m.getMetadata().getDeletionTimestamp() != null) {
                continue;
            }
            if (!m.phase().isFinal()) {
                f.add(m, sourceOf(m).orElse(null), targetOf(m).orElse(null));
            } else if (oursAndUnrecorded(m)) {
                // ended, but the await stage has not acted on it yet: the VM is not free to plan again
                f.byVmi.put(key(m.getMetadata().getNamespace(), m.vmiName()), m);
            }
        }
        return f;
    }

    private static boolean oursAndUnrecorded(VirtualMachineInstanceMigration m) {
        Map<String, String> labels = m.getMetadata().getLabels();
        Map<String, String> ann = m.getMetadata().getAnnotations();
        return labels != null && Names.MANAGED_BY_VALUE.equals(labels.get(Names.MANAGED_BY))
                && (ann == null || !ann.containsKey(io.drainpilot.names.Bookkeeping.RECORDED));
    }

    /** Counts a migration we just created, so one scan's later decisions see it. */
    public synchronized void add(VirtualMachineInstanceMigration m, String source, String target) {
        byVmi.put(key(m.getMetadata().getNamespace(), m.vmiName()), m);
        total++;
        if (source != null) {
            outbound.merge(source, 1, Integer::sum);
        }
        if (target != null) {
            inbound.merge(target, 1, Integer::sum);
        }
    }

    public synchronized Optional<VirtualMachineInstanceMigration> forVmi(String namespace, String vmi) {
        return Optional.ofNullable(byVmi.get(key(namespace, vmi)));
    }

    public synchronized int total() {
        return total;
    }

    public synchronized int outOf(String node) {
        return outbound.getOrDefault(node, 0);
    }

    public synchronized int into(String node) {
        return inbound.getOrDefault(node, 0);
    }

    static Optional<String> sourceOf(VirtualMachineInstanceMigration m) {
        String label = m.getMetadata().getLabels() == null ? null : m.getMetadata().getLabels().get(Names.SOURCE_NODE);
        if (label != null) {
            return Optional.of(label);
        }
        return Optional.ofNullable(m.getStatus()).map(s -> s.migrationState).map(s -> s.sourceNode);
    }

    static Optional<String> targetOf(VirtualMachineInstanceMigration m) {
        Optional<String> reported = Optional.ofNullable(m.getStatus()).map(s -> s.migrationState).map(s -> s.targetNode);
        if (reported.isPresent()) {
            return reported;
        }
        return Optional.ofNullable(m.getSpec()).map(s -> s.addedNodeSelector).map(s -> s.get(TargetSteering.HOSTNAME_LABEL));
    }

    private static String key(String ns, String vmi) {
        return ns + "/" + vmi;
    }
}
