package io.drainpilot.sim;

import io.drainpilot.kubevirt.KubeVirtNames;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.kubevirt.VirtualMachineInstanceSpec;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Places virt-launcher pods the way KubeVirt and kube-scheduler do: first render the pod's nodeSelector
 * (VMI nodeSelector, CPU selectors, the migration's addedNodeSelector), then filter nodes (labels, required
 * node affinity, cordon, readiness, taints, memory) and pick one. Deliberately independent of any DrainPilot planner.
 *
 * <p>What it does as Kubernetes does:
 * <ul>
 *   <li>The pod's nodeSelector is matched against node <em>labels</em> only: {@code addedNodeSelector}
 *       {@code kubernetes.io/hostname=x} finds the node whose label says {@code x}, whatever its name. KubeVirt
 *       (virt-controller's migration controller) copies the addedNodeSelector first and the rendered template's
 *       selectors over it, so on a clash the VMI's own and the CPU selectors win.</li>
 *   <li>Taints with effect NoSchedule or NoExecute keep the pod off unless one of the VMI's
 *       {@code spec.tolerations} (copied to the pod) tolerates it, with Kubernetes' rules: an empty effect matches
 *       every effect, an empty key with operator Exists matches every taint, operator Exists ignores the value,
 *       operator Equal (or empty) needs the same value. PreferNoSchedule never keeps a pod off.</li>
 *   <li>A node whose Ready condition is not True takes no new pod: it is treated as carrying the taint the node
 *       lifecycle controller gives it ({@code node.kubernetes.io/not-ready:NoSchedule} for Ready=False,
 *       {@code node.kubernetes.io/unreachable:NoSchedule} for Ready=Unknown or no Ready condition), so only a pod
 *       tolerating that taint could land there.</li>
 *   <li>Memory: a node fits when its allocatable memory minus the requests of the VMIs on it and of the target
 *       pods already placed there (migrations not yet finished) covers the pod's request.</li>
 * </ul>
 * A pod that fits nowhere stays Pending; the migration controller fails the migration only after the
 * unschedulable timeout (KubeVirt's default 300 s, scaled by {@link SimSettings#timeScale()}).
 *
 * <p>Simplifications: the implicit not-ready/unreachable taints apply at once (the real node lifecycle controller
 * adds them after its grace period, and the taint-based eviction of running pods is not simulated); the pick among
 * fitting nodes is "most free memory, then name", not kube-scheduler's scoring; only memory counts as a resource
 * (no CPU, devices or pod count); {@code tolerationSeconds} is ignored; inter-pod (anti-)affinity, topology
 * spread and preferred node affinity are not evaluated.
 */
final class TargetScheduler {

    /**
     * The migration target pod's nodeSelector, or empty when KubeVirt could not render one (a host-model VMI that never
     * migrated, on a source node without a host-model label). KubeVirt's createTargetPod and
     * prepareNodeSelectorForHostCpuModel: for host-model, the source pod's {@code cpu-model-migration.*} and
     * {@code cpu-feature.*} selectors when it has any (the VMI migrated before, or asked for features), else the
     * source node's host model and host-model-required features; from KubeVirt 1.8, the source node's
     * {@code cpu-vendor.*} for every CPU mode.
     *
     * @param sourcePodSelector the nodeSelector of the VMI's running virt-launcher pod
     * @param sameVendor        KubeVirt 1.8 or later: the target must have the source node's CPU vendor
     */
    Optional<Map<String, String>> migrationTargetSelector(VirtualMachineInstance vmi, Node source,
                                                          Map<String, String> addedNodeSelector,
                                                          Map<String, String> sourcePodSelector, boolean sameVendor) {
        Map<String, String> selector = new LinkedHashMap<>(startSelector(vmi));
        Map<String, String> sourceLabels = labels(source);
        if (KubeVirtNames.CPU_HOST_MODEL.equals(cpuModel(vmi))) {
            Map<String, String> kept = retainedCpuSelectors(sourcePodSelector);
            if (kept.isEmpty()) {
                Optional<String> hostModel = withPrefix(sourceLabels, CpuProfile.HOST_MODEL_CPU).stream().findFirst();
                if (hostModel.isEmpty()) {
                    return Optional.empty();
                }
                kept.put(CpuProfile.CPU_MODEL_MIGRATION + hostModel.get(), "true");
                withPrefix(sourceLabels, CpuProfile.HOST_MODEL_REQUIRED_FEATURES)
                        .forEach(f -> kept.put(CpuProfile.CPU_FEATURE + f, "true"));
            }
            selector.putAll(kept);
        }
        if (sameVendor && selector.keySet().stream().noneMatch(k -> k.startsWith(CpuProfile.CPU_VENDOR))) {
            withPrefix(sourceLabels, CpuProfile.CPU_VENDOR).stream().findFirst()
                    .ifPresent(v -> selector.put(CpuProfile.CPU_VENDOR + v, "true"));
        }
        // virt-controller copies the addedNodeSelector first and the rendered pod's nodeSelector over it
        Map<String, String> merged = new LinkedHashMap<>();
        if (addedNodeSelector != null) {
            merged.putAll(addedNodeSelector);
        }
        merged.putAll(selector);
        return Optional.of(merged);
    }

    /** The selectors KubeVirt carries from a source pod to a host-model VMI's target pod. */
    static Map<String, String> retainedCpuSelectors(Map<String, String> podSelector) {
        Map<String, String> kept = new LinkedHashMap<>();
        if (podSelector != null) {
            podSelector.forEach((k, v) -> {
                if (k.contains(CpuProfile.CPU_FEATURE) || k.contains(CpuProfile.CPU_MODEL_MIGRATION)) {
                    kept.put(k, v);
                }
            });
        }
        return kept;
    }

    /**
     * The nodeSelector of a first start's pod (KubeVirt's NodeSelectorRenderer): the VMI's nodeSelector, the named
     * model, and the required features of any CPU model the VMI names (host-model included); host-model then only
     * needs a node that knows its host model.
     */
    Map<String, String> startSelector(VirtualMachineInstance vmi) {
        Map<String, String> selector = baseSelector(vmi);
        String model = cpuModel(vmi);
        if (!KubeVirtNames.CPU_HOST_MODEL.equals(model) && !KubeVirtNames.CPU_HOST_PASSTHROUGH.equals(model)) {
            selector.put(CpuProfile.CPU_MODEL + model, "true");
        }
        VirtualMachineInstanceSpec.Cpu cpu = vmi.getSpec() == null || vmi.getSpec().domain == null ? null
                : vmi.getSpec().domain.cpu;
        // KubeVirt renders feature labels only when the VMI names a model (its webhook defaults it to host-model)
        if (cpu != null && cpu.model != null && !cpu.model.isEmpty() && cpu.features != null) {
            cpu.features.stream()
                    .filter(f -> f.policy == null || f.policy.isEmpty() || "require".equals(f.policy))
                    .forEach(f -> selector.put(CpuProfile.CPU_FEATURE + f.name, "true"));
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
                .filter(n -> tolerates(vmi, readinessTaint(n)))
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

    private static boolean matches(Map<String, String> labels, Map<String, String> selector) {
        return selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
    }

    /** NoSchedule and NoExecute taints keep the pod off unless the VMI tolerates them. */
    private static boolean toleratesTaints(VirtualMachineInstance vmi, Node node) {
        List<Taint> taints = node.getSpec() == null || node.getSpec().getTaints() == null
                ? List.of() : node.getSpec().getTaints();
        return taints.stream().allMatch(t -> tolerates(vmi, Optional.of(t)));
    }

    private static boolean tolerates(VirtualMachineInstance vmi, Optional<Taint> taint) {
        if (taint.isEmpty() || !("NoSchedule".equals(taint.get().getEffect()) || "NoExecute".equals(taint.get().getEffect()))) {
            return true;
        }
        List<Toleration> tolerations = vmi.getSpec() == null || vmi.getSpec().tolerations == null
                ? List.of() : vmi.getSpec().tolerations;
        return tolerations.stream().anyMatch(tol -> tolerates(tol, taint.get()));
    }

    /**
     * The taint the node lifecycle controller gives a node that is not Ready: not-ready for Ready=False, unreachable
     * for Ready=Unknown or no Ready condition; none for a Ready node.
     */
    static Optional<Taint> readinessTaint(Node node) {
        List<NodeCondition> conditions = node.getStatus() == null || node.getStatus().getConditions() == null
                ? List.of() : node.getStatus().getConditions();
        String ready = conditions.stream().filter(c -> "Ready".equals(c.getType())).map(NodeCondition::getStatus)
                .findFirst().orElse("Unknown");
        if ("True".equals(ready)) {
            return Optional.empty();
        }
        String key = "False".equals(ready) ? "node.kubernetes.io/not-ready" : "node.kubernetes.io/unreachable";
        return Optional.of(new Taint("NoSchedule", key, null, null));
    }

    /** Kubernetes' {@code Toleration.ToleratesTaint}. */
    static boolean tolerates(Toleration toleration, Taint taint) {
        String effect = toleration.getEffect();
        if (effect != null && !effect.isEmpty() && !effect.equals(taint.getEffect())) {
            return false;
        }
        String key = toleration.getKey();
        if (key != null && !key.isEmpty() && !key.equals(taint.getKey())) {
            return false;
        }
        String operator = toleration.getOperator() == null ? "" : toleration.getOperator();
        return switch (operator) {
            case "Exists" -> true;
            case "", "Equal" -> Objects.toString(toleration.getValue(), "").equals(Objects.toString(taint.getValue(), ""));
            default -> false;
        };
    }
}
