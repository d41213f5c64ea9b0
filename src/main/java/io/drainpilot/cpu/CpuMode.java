package io.drainpilot.cpu;

/** How a VMI's guest CPU is defined; decides which node labels a migration target needs. */
public enum CpuMode {
    /** A libvirt model such as Skylake-Client-IBRS: targets need that model and the required features. */
    NAMED,
    /** The source node's host model: targets need it as a migration model (KubeVirt's default). */
    HOST_MODEL,
    /** The physical CPU as-is: KubeVirt checks nothing, so DrainPilot demands the same CPU. */
    HOST_PASSTHROUGH
}
