package io.drainpilot.sim;

import io.drainpilot.kubevirt.KubeVirtNames;
import io.drainpilot.kubevirt.VirtualMachine;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.kubevirt.VirtualMachineInstanceSpec;
import io.drainpilot.kubevirt.VirtualMachineInstanceStatus;
import io.fabric8.kubernetes.api.model.AffinityBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds VM templates from a scenario and running VMIs from a VM, the way virt-controller fills them in. */
final class VmiFactory {
    /**
     * Sim-only VM annotation carrying why its VMIs are not live-migratable. Real KubeVirt derives the
     * LiveMigratable condition from disks and devices; the simulator does not derive it from the disks and devices a
     * VM may carry, so the VM says it (a host device or GPU sets it).
     */
    static final String NOT_LIVE_MIGRATABLE_ANNOTATION = "sim.drainpilot.io/not-live-migratable";

    private VmiFactory() {
    }

    static VirtualMachine virtualMachine(Scenario.VmSpec spec) {
        VirtualMachine vm = new VirtualMachine();
        ObjectMetaBuilder meta = new ObjectMetaBuilder().withNamespace(spec.namespace()).withName(spec.name())
                .withLabels(spec.labels());
        if (spec.notLiveMigratableReason() != null) {
            meta.addToAnnotations(NOT_LIVE_MIGRATABLE_ANNOTATION, spec.notLiveMigratableReason());
        }
        if (spec.ignoresShutdown()) {
            meta.addToAnnotations(VmController.IGNORES_SHUTDOWN_ANNOTATION, "true");
        }
        vm.setMetadata(meta.build());
        VirtualMachine.Spec vmSpec = new VirtualMachine.Spec();
        vmSpec.runStrategy = spec.runStrategy();
        vmSpec.template = new VirtualMachine.Template();
        vmSpec.template.metadata = new ObjectMetaBuilder().withLabels(spec.labels()).build();
        vmSpec.template.spec = vmiSpec(spec);
        vm.setSpec(vmSpec);
        return vm;
    }

    private static VirtualMachineInstanceSpec vmiSpec(Scenario.VmSpec spec) {
        VirtualMachineInstanceSpec s = new VirtualMachineInstanceSpec();
        s.evictionStrategy = spec.evictionStrategy();
        s.terminationGracePeriodSeconds = spec.terminationGraceSeconds();
        s.domain = new VirtualMachineInstanceSpec.Domain();
        s.domain.cpu = new VirtualMachineInstanceSpec.Cpu();
        s.domain.cpu.cores = spec.cores();
        s.domain.cpu.model = switch (spec.cpuMode()) {
            case NAMED_MODEL -> spec.cpuModel();
            case HOST_MODEL -> KubeVirtNames.CPU_HOST_MODEL;
            case HOST_PASSTHROUGH -> KubeVirtNames.CPU_HOST_PASSTHROUGH;
            case NONE -> null;
        };
        if (!spec.requiredFeatures().isEmpty()) {
            s.domain.cpu.features = new ArrayList<>();
            for (String f : spec.requiredFeatures()) {
                VirtualMachineInstanceSpec.CpuFeature feature = new VirtualMachineInstanceSpec.CpuFeature();
                feature.name = f;
                feature.policy = "require";
                s.domain.cpu.features.add(feature);
            }
        }
        s.domain.memory = new VirtualMachineInstanceSpec.Memory();
        s.domain.memory.guest = spec.memory();
        s.domain.resources = new VirtualMachineInstanceSpec.Resources();
        s.domain.resources.requests = new LinkedHashMap<>(Map.of("memory", spec.memory()));
        if (!spec.nodeSelector().isEmpty()) {
            s.nodeSelector = new LinkedHashMap<>(spec.nodeSelector());
        }
        Map<String, Object> devices = new LinkedHashMap<>();
        if (!spec.disks().isEmpty()) {
            devices.put("disks", spec.disks());
        }
        if (!spec.hostDevices().isEmpty()) {
            devices.put("hostDevices", spec.hostDevices());
        }
        if (!spec.gpus().isEmpty()) {
            devices.put("gpus", spec.gpus());
        }
        if (!devices.isEmpty()) {
            s.domain.unknownField("devices", devices);
        }
        if (!spec.volumes().isEmpty()) {
            s.unknownField("volumes", spec.volumes());
        }
        if (spec.isEfi()) {
            s.domain.unknownField("firmware", Map.of("bootloader", Map.of("efi", Map.of("secureBoot", false))));
        }
        if (!spec.tolerations().isEmpty()) {
            s.tolerations = new ArrayList<>(spec.tolerations());
        }
        if (!spec.requiredNodeAffinity().isEmpty()) {
            s.affinity = new AffinityBuilder().withNewNodeAffinity()
                    .withNewRequiredDuringSchedulingIgnoredDuringExecution()
                    .addNewNodeSelectorTerm().withMatchExpressions(spec.requiredNodeAffinity()).endNodeSelectorTerm()
                    .endRequiredDuringSchedulingIgnoredDuringExecution().endNodeAffinity().build();
        }
        return s;
    }

    /** The VMI virt-controller creates for {@code vm}, already Running on {@code node}. */
    static VirtualMachineInstance runningVmi(VirtualMachine vm, String node) {
        VirtualMachineInstance vmi = new VirtualMachineInstance();
        Map<String, String> labels = new LinkedHashMap<>();
        ObjectMeta template = vm.getSpec().template.metadata;
        if (template != null && template.getLabels() != null) {
            labels.putAll(template.getLabels());
        }
        labels.put(KubeVirtNames.LABEL_NODE_NAME, node);
        vmi.setMetadata(new ObjectMetaBuilder()
                .withNamespace(vm.getMetadata().getNamespace())
                .withName(vm.getMetadata().getName())
                .withLabels(labels)
                .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion(vm.getApiVersion())
                        .withKind(vm.getKind()).withName(vm.getMetadata().getName())
                        .withUid(vm.getMetadata().getUid()).withController(true).withBlockOwnerDeletion(true)
                        .build())
                .withFinalizers(VmController.FINALIZER)
                .build());
        // a deep copy: the VMI must not share mutable spec objects with the VM
        vmi.setSpec(Serialization.clone(vm.getSpec().template.spec));
        VirtualMachineInstanceStatus status = new VirtualMachineInstanceStatus();
        status.phase = "Running";
        status.nodeName = node;
        status.conditions = new ArrayList<>(List.of(
                condition("Ready", "True", null, null),
                liveMigratable(vm.getMetadata().getAnnotations())));
        vmi.setStatus(status);
        return vmi;
    }

    private static VirtualMachineInstanceStatus.Condition liveMigratable(Map<String, String> vmAnnotations) {
        String reason = vmAnnotations == null ? null : vmAnnotations.get(NOT_LIVE_MIGRATABLE_ANNOTATION);
        if (reason == null) {
            return condition(KubeVirtNames.CONDITION_LIVE_MIGRATABLE, "True", null, null);
        }
        return condition(KubeVirtNames.CONDITION_LIVE_MIGRATABLE, "False", reason, notMigratableMessage(reason));
    }

    private static String notMigratableMessage(String reason) {
        return switch (reason) {
            case "DisksNotLiveMigratable" ->
                    "cannot migrate VMI: PVC rootdisk is not shared, live migration requires that all PVCs must be shared (using ReadWriteMany access mode)";
            case "HostDeviceNotLiveMigratable" -> "VMI uses a PCI host devices";
            case "InterfaceNotLiveMigratable" ->
                    "cannot migrate VMI which does not use masquerade, bridge with kubevirt.io/allow-pod-bridge-network-live-migration VM annotation or a migratable plugin to connect to the pod network";
            default -> "VMI is not live-migratable: " + reason;
        };
    }

    private static VirtualMachineInstanceStatus.Condition condition(String type, String status, String reason,
                                                                    String message) {
        VirtualMachineInstanceStatus.Condition c = new VirtualMachineInstanceStatus.Condition();
        c.type = type;
        c.status = status;
        c.reason = reason;
        c.message = message;
        c.lastTransitionTime = Timestamps.now();
        return c;
    }
}
