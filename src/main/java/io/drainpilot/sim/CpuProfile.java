package io.drainpilot.sim;

import io.drainpilot.kubevirt.KubeVirtNames;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A node's CPU as KubeVirt's node labeller describes it: vendor, host model, usable named models and
 * features. Produces the exact label set a real node would carry, so CPU rules are tested against real keys.
 */
public final class CpuProfile {
    public static final String CPU_MODEL = "cpu-model.node.kubevirt.io/";
    public static final String CPU_MODEL_MIGRATION = "cpu-model-migration.node.kubevirt.io/";
    public static final String HOST_MODEL_CPU = "host-model-cpu.node.kubevirt.io/";
    public static final String HOST_MODEL_REQUIRED_FEATURES = "host-model-required-features.node.kubevirt.io/";
    public static final String CPU_FEATURE = "cpu-feature.node.kubevirt.io/";
    public static final String CPU_VENDOR = "cpu-vendor.node.kubevirt.io/";

    private static final List<String> INTEL_FEATURES = List.of("aes", "avx", "avx2", "bmi1", "bmi2", "erms",
            "f16c", "fma", "invpcid", "movbe", "pclmuldq", "pcid", "popcnt", "rdrand", "rdseed", "smap", "smep",
            "ssse3", "sse4.1", "sse4.2", "tsc-deadline", "vmx", "x2apic", "xsave", "xsavec", "xsaveopt", "abm",
            "adx", "3dnowprefetch", "spec-ctrl", "ssbd", "md-clear");
    private static final List<String> INTEL_MODELS = List.of("Penryn", "Conroe", "Nehalem", "Nehalem-IBRS",
            "Westmere", "Westmere-IBRS", "SandyBridge", "SandyBridge-IBRS", "IvyBridge", "IvyBridge-IBRS",
            "Haswell-noTSX", "Haswell-noTSX-IBRS", "Broadwell-noTSX", "Broadwell-noTSX-IBRS",
            "Skylake-Client-noTSX-IBRS");

    public static final CpuProfile SKYLAKE = new CpuProfile("skylake", "Intel", "Skylake-Client-IBRS",
            INTEL_MODELS, INTEL_FEATURES, List.of("hypervisor", "ss", "tsc_adjust", "xsaves", "pdpe1gb"), true);

    public static final CpuProfile CASCADELAKE = new CpuProfile("cascadelake", "Intel", "Cascadelake-Server",
            concat(INTEL_MODELS, List.of("Skylake-Client-IBRS", "Skylake-Server-IBRS", "Skylake-Server-noTSX-IBRS",
                    "Cascadelake-Server-noTSX")),
            concat(INTEL_FEATURES, List.of("avx512f", "avx512vl", "avx512bw", "avx512cd", "avx512dq",
                    "avx512-vnni", "clwb", "clflushopt", "pku", "pdpe1gb")),
            List.of("hypervisor", "ss", "tsc_adjust", "xsaves", "umip", "arch-capabilities"), true);

    /** Lists Cascadelake-Server among its models, so a Cascade Lake host-model VM can move here (not back). */
    public static final CpuProfile ICELAKE = new CpuProfile("icelake", "Intel", "Icelake-Server",
            concat(CASCADELAKE.namedModels, List.of("Cascadelake-Server", "Icelake-Server-noTSX")),
            concat(List.copyOf(CASCADELAKE.features), List.of("avx512vbmi", "avx512vbmi2", "gfni", "vaes",
                    "vpclmulqdq", "avx512bitalg", "avx512-vpopcntdq", "la57", "wbnoinvd")),
            List.of("hypervisor", "ss", "tsc_adjust", "xsaves"), true);

    public static final CpuProfile EPYC = new CpuProfile("epyc", "AMD", "EPYC-Rome",
            List.of("Penryn", "Conroe", "Opteron_G1", "Opteron_G2", "Opteron_G3", "EPYC", "EPYC-IBPB"),
            List.of("aes", "avx", "avx2", "bmi1", "bmi2", "clflushopt", "clwb", "clzero", "f16c", "fma",
                    "movbe", "pclmuldq", "popcnt", "rdrand", "rdseed", "sha-ni", "smap", "smep", "ssse3",
                    "sse4.1", "sse4.2", "sse4a", "svm", "xsave", "xsavec", "xsaveopt", "abm", "adx",
                    "misalignsse", "npt", "nrip-save", "perfctr-core", "topoext", "wbnoinvd", "ibpb"),
            List.of("hypervisor", "x2apic", "tsc-deadline", "cmp_legacy", "virt-ssbd", "amd-ssbd"), true);

    private final String name;
    private final String vendor;
    private final String hostModel;
    private final List<String> namedModels;
    private final Set<String> features;
    private final List<String> hostModelRequiredFeatures;
    private final boolean hostModelLabelled;

    private CpuProfile(String name, String vendor, String hostModel, List<String> namedModels,
                       List<String> features, List<String> hostModelRequiredFeatures, boolean hostModelLabelled) {
        this.name = name;
        this.vendor = vendor;
        this.hostModel = hostModel;
        this.namedModels = List.copyOf(namedModels);
        this.features = new LinkedHashSet<>(features);
        // the labeller only lists a host-model-required feature when the host has it
        this.features.addAll(hostModelRequiredFeatures);
        this.hostModelRequiredFeatures = List.copyOf(hostModelRequiredFeatures);
        this.hostModelLabelled = hostModelLabelled;
    }

    /** The same CPU on a node whose labeller wrote no host-model labels: its host-model VMIs cannot migrate. */
    public CpuProfile withoutHostModelLabel() {
        return new CpuProfile(name + "-no-host-model", vendor, hostModel, namedModels, List.copyOf(features),
                hostModelRequiredFeatures, false);
    }

    /**
     * The same CPU on a node whose labeller does not report {@code feature} (an older kernel or microcode that does
     * not expose it), e.g. {@code arch-capabilities}.
     */
    public CpuProfile withoutFeature(String feature) {
        if (hostModelRequiredFeatures.contains(feature)) {
            throw new IllegalArgumentException(feature + " is a host-model-required feature of " + name);
        }
        List<String> kept = features.stream().filter(f -> !f.equals(feature)).toList();
        return new CpuProfile(name + "-without-" + feature, vendor, hostModel, namedModels, kept,
                hostModelRequiredFeatures, hostModelLabelled);
    }

    public String name() {
        return name;
    }

    public String vendor() {
        return vendor;
    }

    public String hostModel() {
        return hostModel;
    }

    public List<String> namedModels() {
        return namedModels;
    }

    public Set<String> features() {
        return Set.copyOf(features);
    }

    /** Node labels as KubeVirt's node labeller and virt-handler write them. */
    public Map<String, String> labels(String nodeName) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("kubernetes.io/hostname", nodeName);
        labels.put(KubeVirtNames.LABEL_SCHEDULABLE, "true");
        labels.put(CPU_VENDOR + vendor, "true");
        namedModels.forEach(m -> labels.put(CPU_MODEL + m, "true"));
        namedModels.forEach(m -> labels.put(CPU_MODEL_MIGRATION + m, "true"));
        features.forEach(f -> labels.put(CPU_FEATURE + f, "true"));
        if (hostModelLabelled) {
            labels.put(CPU_MODEL_MIGRATION + hostModel, "true");
            labels.put(HOST_MODEL_CPU + hostModel, "true");
            hostModelRequiredFeatures.forEach(f -> labels.put(HOST_MODEL_REQUIRED_FEATURES + f, "true"));
        }
        return labels;
    }

    private static List<String> concat(List<String> a, List<String> b) {
        Set<String> all = new LinkedHashSet<>(a);
        all.addAll(b);
        return List.copyOf(all);
    }

    @Override
    public String toString() {
        return name;
    }
}
