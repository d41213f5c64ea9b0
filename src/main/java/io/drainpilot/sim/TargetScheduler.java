package io.drainpilot.sim;

import io.drainpilot.kubevirt.KubeVirtNames;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.kubevirt.VirtualMachineInstanceSpec;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Taint;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Places virt-launcher pods the way KubeVirt and kube-scheduler do: first render the pod's nodeSelector
 * (VMI nodeSelector, CPU selectors, the migration's addedNodeSelector), then filter nodes (labels, required
 * node affinity, cordon, taints, memory) and pick one. Deliberately independent of any DrainPilot planner.
 */
final class TargetScheduler {

    /**
     * The migration target pod's nodeSelector, or empty when KubeVirt could not render one (a host-model VMI
     * whose source node has no host-model label).
     */
    Optional<Map<String, String>> migrationTargetSelector(VirtualMachineInstance vmi, Node source,
                                                          Map<String, String> addedNodeSelector) {
        Map<String, String> selector = baseSelector(vmi);
        String model = cpuModel(vmi);
        if (KubeVirtNames.CPU_HOST_MODEL.equals(model)) {
            Map<String, String> sourceLabels = labels(source);
            Optional<String> hostModel = withPrefix(sourceLabels, CpuProfile.HOST_MODEL_CPU).stream().findFirst();
            if (hostModel.isEmpty()) {
                return Optional.empty();
            }
            selector.put(CpuProfile.CPU_MODEL_MIGRATION + hostModel.get(), "true");
            withPrefix(sourceLabels, CpuProfile.HOST_MODEL_REQUIRED_FEATURES)
                    .forEach(f -> selector.put(CpuProfile.CPU_FEATURE + f, "true"));
        } else if (!KubeVirtNames.CPU_HOST_PASSTHROUGH.equals(model)) {
            namedModelSelector(vmi, model, selector);
        }
        if (addedNodeSelector != null) {
            selector.putAll(addedNodeSelector);
        }
        return Optional.of(selector);
    }

    /** The nodeSelector of a first start's pod; host-model then only needs a node that knows its host model. */
    Map<String, String> startSelector(VirtualMachineInstance vmi) {
        Map<String, String> selector = baseSelector(vmi);
        String model = cpuModel(vmi);
        if (!KubeVirtNames.CPU_HOST_MODEL.equals(model) && !KubeVirtNames.CPU_HOST_PASSTHROUGH.equals(model)) {
            namedModelSelector(vmi, model, selector);
        }
        return selector;
    }

    /** Schedules a pod with {@code selector}: the fitting node with most free memory, then by name. */
    Optional<String> schedule(VirtualMachineInstance vmi, Map<String, String> selector, ClusterView view,
                              NodeCapacity capacity, String excludedNode, boolean needsHostModelLabel) {
        long memory = NodeCapacity.memoryOf(vmi);
        return view.nodes().values().stream()
                .filter(n -> !n.getMetadata().getName().equals(excludedNode))
                .filter(n -> n.getSpec() == null || !Boolean.TRUE.equals(n.getSpec().getUnschedulable()))
                .filter(n -> matches(labels(n), selector))
                .filter(n -> !needsHostModelLabel || !withPrefix(labels(n), CpuProfile.HOST_MODEL_CPU).isEmpty())
                .filter(n -> RequiredNodeAffinity.allows(vmi, labels(n)))
                .filter(n -> toleratesTaints(vmi, n))
                .filter(n -> capacity.free(n.getMetadata().getName()) >= memory)
                .sorted(Comparator.comparingLong((Node n) -> -capacity.free(n.getMetadata().getName()))
                        .thenComparing(n -> n.getMetadata().getName()))
                .map(n -> n.getMetadata().getName())
                .findFirst();
    }

    /** KubeVirt's default CPU model is host-model. */
    static String cpuModel(VirtualMachineInstance vmi) {
        VirtualMachineInstanceSpec.Domain d = vmi.getSpec() == null ? null : vmi.getSpec().domain;
        if (d == null || d.cpu == null || d.cpu.model == null || d.cpu.model.isEmpty()) {
            return KubeVirtNames.CPU_HOST_MODEL;
        }
        return d.cpu.model;
    }

    static Map<String, String> labels(Node node) {
        return node == null || node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
    }

    static List<String> withPrefix(Map<String, String> labels, String prefix) {
        return labels.entrySet().stream()
                .filter(e -> e.getKey().startsWith(prefix) && "true".equals(e.getValue()))
                .map(e -> e.getKey().substring(prefix.length()))
                .sorted().toList();
    }

    private static Map<String, String> baseSelector(VirtualMachineInstance vmi) {
        Map<String, String> selector = new LinkedHashMap<>();
        if (vmi.getSpec() != null && vmi.getSpec().nodeSelector != null) {
            selector.putAll(vmi.getSpec().nodeSelector);
        }
        selector.put(KubeVirtNames.LABEL_SCHEDULABLE, "true");
        return selector;
    }

    private static void namedModelSelector(VirtualMachineInstance vmi, String model, Map<String, String> selector) {
        selector.put(CpuProfile.CPU_MODEL + model, "true");
        VirtualMachineInstanceSpec.Cpu cpu = vmi.getSpec().domain.cpu;
        if (cpu.features != null) {
            cpu.features.stream()
                    .filter(f -> f.policy == null || f.policy.isEmpty() || "require".equals(f.policy))
                    .forEach(f -> selector.put(CpuProfile.CPU_FEATURE + f.name, "true"));
        }
    }

    private static boolean matches(Map<String, String> labels, Map<String, String> selector) {
        return selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
    }

    /** NoSchedule and NoExecute taints keep the pod off unless the VMI tolerates them. */
    private static boolean toleratesTaints(VirtualMachineInstance vmi, Node node) {
        List<Taint> taints = node.getSpec() == null || node.getSpec().getTaints() == null
                ? List.of() : node.getSpec().getTaints();
        List<Map<String, Object>> tolerations = tolerations(vmi);
        return taints.stream()
                .filter(t -> "NoSchedule".equals(t.getEffect()) || "NoExecute".equals(t.getEffect()))
                .allMatch(t -> tolerations.stream().anyMatch(tol -> tolerates(tol, t)));
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> tolerations(VirtualMachineInstance vmi) {
        Object raw = vmi.getSpec() == null ? null : vmi.getSpec().unknownFields().get("tolerations");
        return raw instanceof List<?> list ? (List<Map<String, Object>>) list : List.of();
    }

    private static boolean tolerates(Map<String, Object> toleration, Taint taint) {
        Object key = toleration.get("key");
        Object effect = toleration.get("effect");
        boolean keyMatches = key == null || key.equals(taint.getKey());
        boolean effectMatches = effect == null || "".equals(effect) || effect.equals(taint.getEffect());
        boolean valueMatches = "Exists".equals(toleration.get("operator"))
                || String.valueOf(toleration.get("value")).equals(String.valueOf(taint.getValue()));
        return keyMatches && effectMatches && valueMatches;
    }
}
