package io.drainpilot.kubevirt;

import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.Toleration;

import java.util.List;
import java.util.Map;

/** The parts of a VMI spec that decide where it may run and how it moves. */
public class VirtualMachineInstanceSpec extends Extensible {
    public Domain domain;
    /** None, LiveMigrate, LiveMigrateIfPossible or External. */
    public String evictionStrategy;
    public Map<String, String> nodeSelector;
    public Affinity affinity;
    /** How long a stop waits for the guest to shut down before it is killed (KubeVirt's default: 180 s). */
    public Long terminationGracePeriodSeconds;
    /** Copied onto the virt-launcher pod: which node taints the VMI tolerates. */
    public List<Toleration> tolerations;

    public static class Domain extends Extensible {
        public Cpu cpu;
        public Memory memory;
        public Resources resources;
    }

    public static class Cpu extends Extensible {
        /** A named model, {@code host-model} or {@code host-passthrough}; KubeVirt's default is host-model. */
        public String model;
        public Integer cores;
        public Integer sockets;
        public Integer threads;
        public List<CpuFeature> features;
    }

    public static class CpuFeature extends Extensible {
        public String name;
        /** force, require, optional, disable or forbid; empty means require. */
        public String policy;
    }

    public static class Memory extends Extensible {
        public String guest;
    }

    public static class Resources extends Extensible {
        public Map<String, String> requests;
        public Map<String, String> limits;
    }
}
