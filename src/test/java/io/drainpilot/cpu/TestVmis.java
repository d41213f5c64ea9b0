package io.drainpilot.cpu;

import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.kubevirt.VirtualMachineInstanceSpec;
import io.drainpilot.kubevirt.VirtualMachineInstanceStatus;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;

/** Test VMIs: only the fields planning reads. */
public final class TestVmis {
    private final VirtualMachineInstance vmi = new VirtualMachineInstance();
    private final VirtualMachineInstanceSpec spec = new VirtualMachineInstanceSpec();

    private TestVmis(String name) {
        vmi.setMetadata(new ObjectMetaBuilder().withNamespace("default").withName(name).withLabels(new HashMap<>()).build());
        vmi.setSpec(spec);
        spec.domain = new VirtualMachineInstanceSpec.Domain();
        vmi.setStatus(new VirtualMachineInstanceStatus());
        vmi.getStatus().phase = "Running";
    }

    /** A running VMI with no cpu section (so host-model) and no memory. */
    public static TestVmis vmi(String name) {
        return new TestVmis(name);
    }

    public TestVmis cpu(String model) {
        cpuSection().model = model;
        return this;
    }

    public TestVmis feature(String name, String policy) {
        VirtualMachineInstanceSpec.CpuFeature f = new VirtualMachineInstanceSpec.CpuFeature();
        f.name = name;
        f.policy = policy;
        if (cpuSection().features == null) {
            cpuSection().features = new ArrayList<>();
        }
        cpuSection().features.add(f);
        return this;
    }

    public TestVmis guestMemory(String quantity) {
        spec.domain.memory = new VirtualMachineInstanceSpec.Memory();
        spec.domain.memory.guest = quantity;
        return this;
    }

    public TestVmis requestedMemory(String quantity) {
        spec.domain.resources = new VirtualMachineInstanceSpec.Resources();
        spec.domain.resources.requests = Map.of("memory", quantity);
        return this;
    }

    public TestVmis on(String node) {
        vmi.getStatus().nodeName = node;
        return this;
    }

    public TestVmis label(String key, String value) {
        vmi.getMetadata().getLabels().put(key, value);
        return this;
    }

    public TestVmis evictionStrategy(String strategy) {
        spec.evictionStrategy = strategy;
        return this;
    }

    public TestVmis nodeSelector(Map<String, String> selector) {
        spec.nodeSelector = selector;
        return this;
    }

    public TestVmis toleration(String key, String operator, String value, String effect) {
        if (spec.tolerations == null) {
            spec.tolerations = new java.util.ArrayList<>();
        }
        spec.tolerations.add(new io.fabric8.kubernetes.api.model.TolerationBuilder().withKey(key).withOperator(operator)
                .withValue(value).withEffect(effect).build());
        return this;
    }

    public TestVmis affinity(Affinity affinity) {
        spec.affinity = affinity;
        return this;
    }

    public TestVmis condition(String type, String status, String reason, String message) {
        VirtualMachineInstanceStatus.Condition c = new VirtualMachineInstanceStatus.Condition();
        c.type = type;
        c.status = status;
        c.reason = reason;
        c.message = message;
        if (vmi.getStatus().conditions == null) {
            vmi.getStatus().conditions = new ArrayList<>();
        }
        vmi.getStatus().conditions.add(c);
        return this;
    }

    public TestVmis annotation(String key, String value) {
        if (vmi.getMetadata().getAnnotations() == null) {
            vmi.getMetadata().setAnnotations(new HashMap<>());
        }
        vmi.getMetadata().getAnnotations().put(key, value);
        return this;
    }

    /** Being deleted since this RFC 3339 instant. */
    public TestVmis deleted(String at) {
        vmi.getMetadata().setDeletionTimestamp(at);
        return this;
    }

    public VirtualMachineInstance build() {
        return vmi;
    }

    private VirtualMachineInstanceSpec.Cpu cpuSection() {
        if (spec.domain.cpu == null) {
            spec.domain.cpu = new VirtualMachineInstanceSpec.Cpu();
        }
        return spec.domain.cpu;
    }
}
