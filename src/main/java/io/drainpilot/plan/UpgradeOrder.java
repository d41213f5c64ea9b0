package io.drainpilot.plan;

import io.drainpilot.names.Names;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Secret;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The order in which a Harvester upgrade takes the nodes: Rancher's, one node at a time (Harvester sets both
 * concurrencies to 1), tier by tier (the etcd init node, the other etcd nodes, control-plane nodes, then worker-only
 * nodes), by machine name within a tier. The tier comes from the role labels of each node's machine-plan Secret, the
 * machine from the Node's {@code cluster.x-k8s.io/machine} annotation. Rancher does not promise the order within a
 * tier; this is what its planner does today. Nodes without a plan Secret (not Rancher-provisioned) come last, by name.
 * Pure.
 */
public final class UpgradeOrder {
    static final String ETCD_ROLE = "rke.cattle.io/etcd-role";
    static final String CONTROL_PLANE_ROLE = "rke.cattle.io/control-plane-role";
    static final String INIT_NODE = "rke.cattle.io/init-node";

    private UpgradeOrder() {
    }

    public static List<String> of(Collection<Secret> planSecrets, Collection<Node> nodes) {
        Map<String, Secret> byMachine = new HashMap<>();
        for (Secret s : planSecrets) {
            Map<String, String> l = labels(s.getMetadata().getLabels());
            String machine = l.get(Names.RANCHER_MACHINE_NAME_LABEL);
            if (machine != null) {
                byMachine.put(machine, s);
            }
        }
        record Entry(String node, int tier, String machine) {
        }
        List<Entry> entries = new ArrayList<>();
        for (Node n : nodes) {
            String machine = labels(n.getMetadata().getAnnotations()).get(Names.CAPI_MACHINE_ANNOTATION);
            Secret plan = machine == null ? null : byMachine.get(machine);
            entries.add(plan == null ? new Entry(n.getMetadata().getName(), 4, n.getMetadata().getName())
                    : new Entry(n.getMetadata().getName(), tier(labels(plan.getMetadata().getLabels())), machine));
        }
        entries.sort(Comparator.comparingInt(Entry::tier).thenComparing(Entry::machine).thenComparing(Entry::node));
        return entries.stream().map(Entry::node).toList();
    }

    /**
     * An order given by hand ({@code --order n1,n2,...}): every name must be a node, none twice. The nodes not listed
     * are not upgraded in the plan.
     */
    public static List<String> given(String csv, Collection<String> nodes) {
        Set<String> seen = new LinkedHashSet<>();
        for (String part : csv.split(",")) {
            String n = part.trim();
            if (n.isEmpty()) {
                continue;
            }
            if (!nodes.contains(n)) {
                throw new IllegalArgumentException("--order names " + n + ", which is no node of the cluster");
            }
            if (!seen.add(n)) {
                throw new IllegalArgumentException("--order names " + n + " twice");
            }
        }
        if (seen.isEmpty()) {
            throw new IllegalArgumentException("--order needs node names: --order n1,n2,...");
        }
        return List.copyOf(seen);
    }

    /** 0 etcd init node, 1 other etcd, 2 control plane, 3 worker only (or no roles). */
    static int tier(Map<String, String> l) {
        boolean etcd = "true".equals(l.get(ETCD_ROLE));
        if (etcd && "true".equals(l.get(INIT_NODE))) {
            return 0;
        }
        if (etcd) {
            return 1;
        }
        return "true".equals(l.get(CONTROL_PLANE_ROLE)) ? 2 : 3;
    }

    private static Map<String, String> labels(Map<String, String> m) {
        return m == null ? Map.of() : m;
    }
}
