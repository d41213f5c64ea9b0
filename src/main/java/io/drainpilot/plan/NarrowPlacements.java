package io.drainpilot.plan;

import io.drainpilot.cpu.CpuLabels;
import io.drainpilot.cpu.CpuMode;
import io.drainpilot.cpu.CpuRequirement;
import io.drainpilot.cpu.LauncherCpu;
import io.drainpilot.kubevirt.KubeVirtNames;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.fabric8.kubernetes.api.model.Node;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * VMs that can run on few nodes, found before an upgrade: a {@code spec.nodeSelector} (often left from a manual or
 * failed migration; Harvester's pre-drain job stops every VM with one), required node affinity that few schedulable
 * nodes match (the job stops a VM no other node matches), and a host-model VM whose virt-launcher pod keeps the CPU
 * of the node it first left, which few nodes offer. "Few" is at most {@link #FEW} schedulable nodes, its own
 * included. Pure.
 */
public final class NarrowPlacements {
    public static final int FEW = 2;

    /** What pins a VM. The wire names appear in the preflight table and JSON. */
    public enum Kind {
        NODE_SELECTOR("node-selector"), NODE_AFFINITY("node-affinity"), KEPT_CPU("kept-cpu");

        private final String wire;

        Kind(String wire) {
            this.wire = wire;
        }

        @com.fasterxml.jackson.annotation.JsonValue
        public String wire() {
            return wire;
        }
    }

    /**
     * @param vm     namespace/name
     * @param nodes  the schedulable nodes it may run on (its own included)
     * @param detail the selector, the affinity or the kept CPU
     */
    public record Finding(String vm, Kind kind, List<String> nodes, String detail) {
    }

    private NarrowPlacements() {
    }

    /** @param launcherCpu per VMI (namespace/name), its virt-launcher pod's CPU selectors */
    public static List<Finding> find(Collection<VirtualMachineInstance> vmis, Map<String, LauncherCpu> launcherCpu,
            Collection<Node> nodes) {
        List<Node> schedulable = nodes.stream().filter(NarrowPlacements::schedulable)
                .sorted(java.util.Comparator.comparing(n -> n.getMetadata().getName())).toList();
        List<Finding> out = new ArrayList<>();
        for (VirtualMachineInstance v : vmis) {
            String key = v.getMetadata().getNamespace() + "/" + v.getMetadata().getName();
            var spec = v.getSpec();
            Map<String, String> selector = spec == null || spec.nodeSelector == null ? Map.of()
                    : new TreeMap<>(spec.nodeSelector);
            if (!selector.isEmpty()) {
                List<String> fit = schedulable.stream().filter(n -> selector.entrySet().stream()
                        .allMatch(e -> Objects.equals(e.getValue(), labels(n).get(e.getKey()))))
                        .map(n -> n.getMetadata().getName()).toList();
                out.add(new Finding(key, Kind.NODE_SELECTOR, fit, selector.entrySet().stream()
                        .map(e -> e.getKey() + "=" + e.getValue()).reduce((a, b) -> a + "," + b).orElse("")));
            }
            if (spec != null && spec.affinity != null && spec.affinity.getNodeAffinity() != null
                    && spec.affinity.getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution() != null) {
                List<String> fit = schedulable.stream().filter(n -> NodeAffinity.mismatch(spec.affinity, n).isEmpty())
                        .map(n -> n.getMetadata().getName()).toList();
                if (fit.size() <= FEW) {
                    out.add(new Finding(key, Kind.NODE_AFFINITY, fit, "required node affinity"));
                }
            }
            LauncherCpu pod = launcherCpu.getOrDefault(key, LauncherCpu.UNKNOWN);
            if (CpuRequirement.of(v).mode() == CpuMode.HOST_MODEL && pod.keepsSelectors()) {
                List<String> fit = schedulable.stream().map(CpuLabels::of)
                        .filter(c -> c.migrationModels().containsAll(pod.migrationModels())
                                && c.features().containsAll(pod.features()))
                        .map(CpuLabels::node).toList();
                if (fit.size() <= FEW) {
                    out.add(new Finding(key, Kind.KEPT_CPU, fit, "host-model CPU kept from its first migration: "
                            + String.join(",", pod.migrationModels().stream().sorted().toList())
                            + (pod.features().isEmpty() ? "" : " + features "
                            + String.join(",", pod.features().stream().sorted().toList()))));
                }
            }
        }
        out.sort(java.util.Comparator.comparing(Finding::vm).thenComparing(Finding::kind));
        return out;
    }

    private static boolean schedulable(Node n) {
        boolean cordoned = n.getSpec() != null && Boolean.TRUE.equals(n.getSpec().getUnschedulable());
        return !cordoned && NodeTaints.ready(n) && "true".equals(labels(n).get(KubeVirtNames.LABEL_SCHEDULABLE));
    }

    private static Map<String, String> labels(Node n) {
        return n.getMetadata().getLabels() == null ? Map.of() : n.getMetadata().getLabels();
    }
}
