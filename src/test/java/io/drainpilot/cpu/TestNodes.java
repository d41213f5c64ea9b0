package io.drainpilot.cpu;

import io.drainpilot.kubevirt.KubeVirtNames;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeStatusBuilder;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Test nodes labelled the way KubeVirt's node labeller labels real CPUs. */
public final class TestNodes {
    public static final String SKYLAKE = "Skylake-Client-IBRS";
    public static final String CASCADELAKE = "Cascadelake-Server";
    public static final String EPYC = "EPYC-Rome";

    private static final List<String> SKYLAKE_FEATURES =
            List.of("aes", "avx2", "hypervisor", "md-clear", "sse4.2", "ssbd", "vmx");
    private static final List<String> CASCADELAKE_EXTRA = List.of("avx512f", "avx512vl", "pku");

    private final String name;
    private final Map<String, String> labels = new LinkedHashMap<>();
    private boolean unschedulable;
    private String ready = "True";
    private final List<Taint> taints = new ArrayList<>();

    private TestNodes(String name) {
        this.name = name;
        labels.put(KubeVirtNames.LABEL_SCHEDULABLE, "true");
        labels.put("kubernetes.io/hostname", name);
    }

    /** A schedulable, Ready node with no CPU labels; its hostname label is its name. */
    public static TestNodes node(String name) {
        return new TestNodes(name);
    }

    public TestNodes skylake() {
        return vendor("Intel").host(SKYLAKE).models("Haswell-noTSX", "Skylake-Client", SKYLAKE)
                .features(SKYLAKE_FEATURES).required("hypervisor", "ssbd");
    }

    /** A newer Intel: a superset of Skylake's features, and Skylake-Client-IBRS among its migration models. */
    public TestNodes cascadelake() {
        return vendor("Intel").host(CASCADELAKE).models("Haswell-noTSX", "Skylake-Client", SKYLAKE, CASCADELAKE)
                .features(SKYLAKE_FEATURES).features(CASCADELAKE_EXTRA).required("hypervisor", "pku", "ssbd");
    }

    public TestNodes epyc() {
        return vendor("AMD").host(EPYC).models("Opteron_G3", "EPYC", EPYC)
                .features(List.of("aes", "avx2", "hypervisor", "sse4.2", "svm", "topoext", "virt-ssbd"))
                .required("topoext", "virt-ssbd");
    }

    public TestNodes label(String key, String value) {
        labels.put(key, value);
        return this;
    }

    public TestNodes without(String key) {
        labels.remove(key);
        return this;
    }

    public TestNodes cordoned() {
        unschedulable = true;
        return this;
    }

    /** The Ready condition's status; null: no Ready condition at all. */
    public TestNodes ready(String status) {
        ready = status;
        return this;
    }

    public TestNodes taint(String key, String value, String effect) {
        taints.add(new TaintBuilder().withKey(key).withValue(value).withEffect(effect).build());
        return this;
    }

    public Node build() {
        Node node = new NodeBuilder().withNewMetadata().withName(name).withLabels(Map.copyOf(labels)).endMetadata()
                .withNewSpec().withUnschedulable(unschedulable ? Boolean.TRUE : null)
                .withTaints(taints.isEmpty() ? null : List.copyOf(taints)).endSpec().build();
        if (ready != null) {
            node.setStatus(new NodeStatusBuilder().addNewCondition().withType("Ready").withStatus(ready).endCondition()
                    .build());
        }
        return node;
    }

    public CpuLabels cpu() {
        return CpuLabels.of(build());
    }

    private TestNodes vendor(String vendor) {
        return label(CpuLabels.VENDOR + vendor, "true");
    }

    // KubeVirt lists the host model among the migration models too
    private TestNodes host(String model) {
        label(CpuLabels.MIGRATION_MODEL + model, "true");
        return label(CpuLabels.HOST_MODEL + model, "true");
    }

    private TestNodes models(String... models) {
        for (String m : models) {
            label(CpuLabels.MODEL + m, "true");
            label(CpuLabels.MIGRATION_MODEL + m, "true");
        }
        return this;
    }

    private TestNodes features(List<String> features) {
        features.forEach(f -> label(CpuLabels.FEATURE + f, "true"));
        return this;
    }

    private TestNodes required(String... features) {
        for (String f : features) {
            label(CpuLabels.HOST_MODEL_REQUIRED_FEATURE + f, "true");
        }
        return this;
    }
}
