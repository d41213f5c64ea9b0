package io.drainpilot.sim;

import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirementBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The starting state of a simulated cluster: nodes, VMs and their VMIs, the KubeVirt CR and optional Harvester
 * and Rancher objects. Immutable once built; {@link ScenarioWriter} turns it into API objects.
 */
public final class Scenario {
    public static final String DEFAULT_KUBEVIRT_NAMESPACE = "kubevirt";
    public static final String HARVESTER_NAMESPACE = "harvester-system";

    private final List<NodeSpec> nodes;
    private final List<VmSpec> vms;
    private final String kubeVirtNamespace;
    private final String kubeVirtVersion;
    private final Integer parallelMigrationsPerCluster;
    private final Integer parallelOutboundMigrationsPerNode;
    private final String harvesterUpgrade;
    private final HarvesterSpec harvester;
    private final boolean kubeVirtEvacuation;

    private Scenario(Builder b) {
        this.nodes = List.copyOf(b.nodes);
        this.vms = List.copyOf(b.vms);
        this.kubeVirtNamespace = b.kubeVirtNamespace;
        this.kubeVirtVersion = b.kubeVirtVersion;
        this.parallelMigrationsPerCluster = b.parallelMigrationsPerCluster;
        this.parallelOutboundMigrationsPerNode = b.parallelOutboundMigrationsPerNode;
        this.harvesterUpgrade = b.harvesterUpgrade;
        this.harvester = b.harvester;
        this.kubeVirtEvacuation = b.kubeVirtEvacuation || b.harvester != null;
        if (harvester != null && harvesterUpgrade != null) {
            throw new IllegalArgumentException("a scenario has either a passive Upgrade CR or a simulated upgrade");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public static NodeSpec node(String name, CpuProfile cpu) {
        return new NodeSpec(name, cpu);
    }

    public static VmSpec vm(String namespace, String name) {
        return new VmSpec(namespace, name);
    }

    public List<NodeSpec> nodes() {
        return nodes;
    }

    public List<VmSpec> vms() {
        return vms;
    }

    public String kubeVirtNamespace() {
        return kubeVirtNamespace;
    }

    public String kubeVirtVersion() {
        return kubeVirtVersion;
    }

    /** Null means "not set in the CR": KubeVirt's default applies. */
    public Integer parallelMigrationsPerCluster() {
        return parallelMigrationsPerCluster;
    }

    /** Null means "not set in the CR": KubeVirt's default applies. */
    public Integer parallelOutboundMigrationsPerNode() {
        return parallelOutboundMigrationsPerNode;
    }

    /** Name of the Harvester Upgrade CR to create as it is (nothing acts on it), or null. */
    public String harvesterUpgrade() {
        return harvesterUpgrade;
    }

    /** The simulated Harvester upgrade, or null when the scenario has none. */
    public HarvesterSpec harvester() {
        return harvester;
    }

    /** Whether KubeVirt's evacuation controller runs (always with a simulated Harvester upgrade). */
    public boolean kubeVirtEvacuation() {
        return kubeVirtEvacuation;
    }

    public static final class Builder {
        private final List<NodeSpec> nodes = new ArrayList<>();
        private final List<VmSpec> vms = new ArrayList<>();
        private String kubeVirtNamespace = DEFAULT_KUBEVIRT_NAMESPACE;
        private String kubeVirtVersion = "v1.6.0";
        private Integer parallelMigrationsPerCluster;
        private Integer parallelOutboundMigrationsPerNode;
        private String harvesterUpgrade;
        private HarvesterSpec harvester;
        private boolean kubeVirtEvacuation;

        public Builder node(NodeSpec node) {
            nodes.add(node);
            return this;
        }

        public Builder vm(VmSpec vm) {
            vms.add(vm);
            return this;
        }

        /** Where the KubeVirt CR lives ({@code harvester-system} on Harvester) and which version it reports. */
        public Builder kubeVirt(String namespace, String observedVersion) {
            this.kubeVirtNamespace = Objects.requireNonNull(namespace);
            this.kubeVirtVersion = Objects.requireNonNull(observedVersion);
            return this;
        }

        public Builder migrationLimits(int perCluster, int outboundPerNode) {
            this.parallelMigrationsPerCluster = perCluster;
            this.parallelOutboundMigrationsPerNode = outboundPerNode;
            return this;
        }

        /** A Harvester Upgrade CR that exists and that nothing acts on (DrainPilot tests play Rancher themselves). */
        public Builder harvesterUpgrade(String name) {
            this.harvesterUpgrade = name;
            return this;
        }

        /**
         * A Harvester cluster whose upgrade the simulation runs: the {@code server-version} and {@code upgrade-config}
         * settings, Rancher's provisioning cluster with the drain hooks, and (when started) the Upgrade CR, Rancher's
         * per-node flow, Harvester's jobs and KubeVirt's evacuation controller.
         */
        public Builder harvester(HarvesterSpec spec) {
            this.harvester = Objects.requireNonNull(spec);
            return this;
        }

        /**
         * Runs KubeVirt's evacuation controller: VMIs on a node tainted {@code kubevirt.io/drain:NoSchedule}, and VMIs
         * marked for eviction, get {@code kubevirt-evacuation-*} migrations. Off unless set or the scenario simulates a
         * Harvester upgrade.
         */
        public Builder kubeVirtEvacuation(boolean on) {
            this.kubeVirtEvacuation = on;
            return this;
        }

        public Scenario build() {
            return new Scenario(this);
        }
    }

    /** One node: its CPU, memory and whatever else a test needs on it. */
    public static final class NodeSpec {
        private final String name;
        private final CpuProfile cpu;
        private String allocatableMemory = "16Gi";
        private boolean unschedulable;
        private String ready = "True";
        private final Map<String, String> labels = new LinkedHashMap<>();
        private final Map<String, String> annotations = new LinkedHashMap<>();
        private final List<TaintSpec> taints = new ArrayList<>();
        private String machine;
        private boolean realWorldBulk;
        private final Set<RancherRole> roles = EnumSet.noneOf(RancherRole.class);
        private boolean initNode;

        private NodeSpec(String name, CpuProfile cpu) {
            this.name = Objects.requireNonNull(name);
            this.cpu = Objects.requireNonNull(cpu);
        }

        public NodeSpec memory(String allocatable) {
            this.allocatableMemory = allocatable;
            return this;
        }

        /**
         * The bulk a real Harvester node carries that DrainPilot does not need: about 100 more labels
         * (node-feature-discovery, topology, kernel), 40 container images in status and managedFields entries of the
         * kubelet and controllers, about 25 KB in all. For scale benchmarks.
         */
        public NodeSpec realWorldBulk() {
            this.realWorldBulk = true;
            return this;
        }

        public boolean hasRealWorldBulk() {
            return realWorldBulk;
        }

        public NodeSpec unschedulable() {
            this.unschedulable = true;
            return this;
        }

        public NodeSpec label(String key, String value) {
            labels.put(key, value);
            return this;
        }

        /**
         * The node's {@code Ready} condition status ({@code True}, {@code False}, {@code Unknown}); null: no Ready
         * condition at all (a node whose kubelet never reported). Default {@code True}.
         */
        public NodeSpec ready(String status) {
            this.ready = status;
            return this;
        }

        /** Its {@code kubernetes.io/hostname} label, which need not be the node's name. */
        public NodeSpec hostname(String hostname) {
            return label("kubernetes.io/hostname", hostname);
        }

        public NodeSpec annotation(String key, String value) {
            annotations.put(key, value);
            return this;
        }

        public NodeSpec taint(String key, String value, String effect) {
            taints.add(new TaintSpec(key, value, effect));
            return this;
        }

        /** A Rancher-provisioned node: annotation {@code cluster.x-k8s.io/machine} and a machine-plan Secret. */
        public NodeSpec machine(String machineName) {
            this.machine = machineName;
            return this;
        }

        /**
         * Rancher roles: the plan Secret gets {@code rke.cattle.io/<role>-role=true}, the node RKE2's
         * {@code node-role.kubernetes.io/*} labels. A plan Secret without roles is upgraded with the workers.
         */
        public NodeSpec roles(RancherRole... roles) {
            this.roles.addAll(List.of(roles));
            return this;
        }

        /** The etcd node the cluster was bootstrapped from ({@code rke.cattle.io/init-node=true}): upgraded first. */
        public NodeSpec initNode() {
            this.initNode = true;
            return this;
        }

        /** A Harvester witness node ({@code node-role.harvesterhci.io/witness=true}): runs etcd, never VMs. */
        public NodeSpec witness() {
            return label(HarvesterNames.WITNESS_NODE_LABEL, "true");
        }

        public Set<RancherRole> roles() {
            return roles.isEmpty() ? Set.of() : EnumSet.copyOf(roles);
        }

        public boolean isInitNode() {
            return initNode;
        }

        public String name() {
            return name;
        }

        public CpuProfile cpu() {
            return cpu;
        }

        public String allocatableMemory() {
            return allocatableMemory;
        }

        public boolean isUnschedulable() {
            return unschedulable;
        }

        /** The Ready condition's status, null for none. */
        public String ready() {
            return ready;
        }

        public Map<String, String> labels() {
            return Map.copyOf(labels);
        }

        public Map<String, String> annotations() {
            return Map.copyOf(annotations);
        }

        public List<TaintSpec> taints() {
            return List.copyOf(taints);
        }

        public String machine() {
            return machine;
        }
    }

    public record TaintSpec(String key, String value, String effect) {
    }

    /** How the VMI asks for its CPU, as in {@code spec.domain.cpu.model}. */
    public enum CpuMode {
        NAMED_MODEL, HOST_MODEL, HOST_PASSTHROUGH,
        /** no cpu.model at all: KubeVirt then applies its default, host-model */
        NONE
    }

    /** A VM with runStrategy and, when placed on a node, its running VMI. */
    public static final class VmSpec {
        private final String namespace;
        private final String name;
        private String node;
        private String migratedFrom;
        private CpuMode cpuMode = CpuMode.NONE;
        private String cpuModel;
        private final List<String> requiredFeatures = new ArrayList<>();
        private int cores = 1;
        private String memory = "1Gi";
        private String evictionStrategy = "LiveMigrate";
        private String notLiveMigratableReason;
        private Long terminationGraceSeconds;
        private boolean ignoresShutdown;
        private String runStrategy = "Always";
        private final Map<String, String> labels = new LinkedHashMap<>();
        private final Map<String, String> nodeSelector = new LinkedHashMap<>();
        private final List<NodeSelectorRequirement> requiredNodeAffinity = new ArrayList<>();
        private final List<Toleration> tolerations = new ArrayList<>();
        private final List<Map<String, Object>> disks = new ArrayList<>();
        private final List<Map<String, Object>> volumes = new ArrayList<>();
        private final List<Map<String, Object>> hostDevices = new ArrayList<>();
        private final List<Map<String, Object>> gpus = new ArrayList<>();
        private boolean efi;
        private double dirtyRateBytes;

        private VmSpec(String namespace, String name) {
            this.namespace = Objects.requireNonNull(namespace);
            this.name = Objects.requireNonNull(name);
        }

        /** The VMI runs on this node (status.phase Running). Without it the VM controller schedules one. */
        public VmSpec on(String nodeName) {
            this.node = nodeName;
            return this;
        }

        /**
         * The VMI came to its node by a live migration from {@code sourceNode}, its first one: its virt-launcher pod
         * carries the CPU selectors KubeVirt gave that migration's target pod (for host-model, the source node's host
         * model and host-model-required features), which KubeVirt keeps for every later migration.
         */
        public VmSpec migratedFrom(String sourceNode) {
            this.migratedFrom = sourceNode;
            return this;
        }

        public VmSpec namedModel(String model, String... features) {
            this.cpuMode = CpuMode.NAMED_MODEL;
            this.cpuModel = model;
            this.requiredFeatures.addAll(List.of(features));
            return this;
        }

        public VmSpec hostModel() {
            this.cpuMode = CpuMode.HOST_MODEL;
            return this;
        }

        public VmSpec hostPassthrough() {
            this.cpuMode = CpuMode.HOST_PASSTHROUGH;
            return this;
        }

        /**
         * The guest writes this much memory per second (a quantity such as {@code 600Mi}): a live migration
         * converges only while it sends faster than that. Not an API field: the simulator knows it as a workload.
         */
        public VmSpec dirtyRate(String quantityPerSecond) {
            this.dirtyRateBytes = Quantity.getAmountInBytes(new Quantity(quantityPerSecond)).doubleValue();
            return this;
        }

        /** Bytes per second; 0 for an idle guest. */
        public double dirtyRateBytes() {
            return dirtyRateBytes;
        }

        public VmSpec cores(int cores) {
            this.cores = cores;
            return this;
        }

        public VmSpec memory(String quantity) {
            this.memory = quantity;
            return this;
        }

        public VmSpec evictionStrategy(String strategy) {
            this.evictionStrategy = strategy;
            return this;
        }

        /** LiveMigratable=False with this reason, e.g. {@code DisksNotLiveMigratable}. */
        public VmSpec notLiveMigratable(String reason) {
            this.notLiveMigratableReason = reason;
            return this;
        }

        public VmSpec runStrategy(String strategy) {
            this.runStrategy = strategy;
            return this;
        }

        /** The VMI's {@code terminationGracePeriodSeconds} (KubeVirt's default when unset: 180 s). */
        public VmSpec terminationGrace(long seconds) {
            this.terminationGraceSeconds = seconds;
            return this;
        }

        /** The guest ignores the shutdown request: a stop takes the whole grace period (see {@link VmController}). */
        public VmSpec guestIgnoresShutdown() {
            this.ignoresShutdown = true;
            return this;
        }

        public VmSpec label(String key, String value) {
            labels.put(key, value);
            return this;
        }

        public VmSpec nodeSelector(String key, String value) {
            nodeSelector.put(key, value);
            return this;
        }

        /** One of {@code spec.tolerations}; null key, value or effect are left out, as in YAML. */
        public VmSpec toleration(String key, String operator, String value, String effect) {
            tolerations.add(new TolerationBuilder().withKey(key).withOperator(operator).withValue(value)
                    .withEffect(effect).build());
            return this;
        }

        /** One required node-affinity term: {@code key operator values}, operator In, NotIn, Exists, DoesNotExist. */
        public VmSpec requiredNodeAffinity(String key, String operator, String... values) {
            requiredNodeAffinity.add(new NodeSelectorRequirementBuilder()
                    .withKey(key).withOperator(operator).withValues(values).build());
            return this;
        }

        /** A disk on a PVC ({@code spec.domain.devices.disks[].disk}, bus virtio). */
        public VmSpec pvcDisk(String diskName, String claimName) {
            disks.add(Map.of("name", diskName, "disk", Map.of("bus", "virtio")));
            volumes.add(Map.of("name", diskName, "persistentVolumeClaim", Map.of("claimName", claimName)));
            return this;
        }

        /** A CD-ROM backed by a PVC ({@code spec.domain.devices.disks[].cdrom}), e.g. an ISO image. */
        public VmSpec cdrom(String diskName, String bus, String claimName) {
            disks.add(Map.of("name", diskName, "cdrom", Map.of("bus", bus)));
            volumes.add(Map.of("name", diskName, "persistentVolumeClaim", Map.of("claimName", claimName)));
            return this;
        }

        /** A CD-ROM carrying cloud-init user data ({@code cloudInitNoCloud}). */
        public VmSpec cloudInitCdrom(String diskName, String bus, String userData) {
            disks.add(Map.of("name", diskName, "cdrom", Map.of("bus", bus)));
            volumes.add(Map.of("name", diskName, "cloudInitNoCloud", Map.of("userData", userData)));
            return this;
        }

        /** A disk from a container image ({@code spec.volumes[].containerDisk}). */
        public VmSpec containerDisk(String diskName, String image) {
            disks.add(Map.of("name", diskName, "disk", Map.of("bus", "virtio")));
            volumes.add(Map.of("name", diskName, "containerDisk", Map.of("image", image)));
            return this;
        }

        /** A PCI or USB device passed through ({@code spec.domain.devices.hostDevices}); KubeVirt then says LiveMigratable=False. */
        public VmSpec hostDevice(String deviceName, String resourceName) {
            hostDevices.add(Map.of("name", deviceName, "deviceName", resourceName));
            return notLiveMigratable("HostDeviceNotLiveMigratable");
        }

        /** A vGPU ({@code spec.domain.devices.gpus}); KubeVirt then says LiveMigratable=False. */
        public VmSpec gpu(String deviceName, String resourceName) {
            gpus.add(Map.of("name", deviceName, "deviceName", resourceName));
            return notLiveMigratable("HostDeviceNotLiveMigratable");
        }

        /** UEFI firmware without secure boot, as Harvester's repo VM has. */
        public VmSpec efi() {
            this.efi = true;
            return this;
        }

        public List<Map<String, Object>> disks() {
            return List.copyOf(disks);
        }

        public List<Map<String, Object>> volumes() {
            return List.copyOf(volumes);
        }

        public List<Map<String, Object>> hostDevices() {
            return List.copyOf(hostDevices);
        }

        public List<Map<String, Object>> gpus() {
            return List.copyOf(gpus);
        }

        public boolean isEfi() {
            return efi;
        }

        public String namespace() {
            return namespace;
        }

        public String name() {
            return name;
        }

        public String node() {
            return node;
        }

        /** The node its VMI's first migration left, or null when it never migrated. */
        public String migratedFrom() {
            return migratedFrom;
        }

        public CpuMode cpuMode() {
            return cpuMode;
        }

        public String cpuModel() {
            return cpuModel;
        }

        public List<String> requiredFeatures() {
            return List.copyOf(requiredFeatures);
        }

        public int cores() {
            return cores;
        }

        public String memory() {
            return memory;
        }

        public String evictionStrategy() {
            return evictionStrategy;
        }

        /** Null when the VMI is live-migratable. */
        public String notLiveMigratableReason() {
            return notLiveMigratableReason;
        }

        public String runStrategy() {
            return runStrategy;
        }

        /** Null: KubeVirt's default. */
        public Long terminationGraceSeconds() {
            return terminationGraceSeconds;
        }

        public boolean ignoresShutdown() {
            return ignoresShutdown;
        }

        public Map<String, String> labels() {
            return Map.copyOf(labels);
        }

        public Map<String, String> nodeSelector() {
            return Map.copyOf(nodeSelector);
        }

        public List<NodeSelectorRequirement> requiredNodeAffinity() {
            return List.copyOf(requiredNodeAffinity);
        }

        public List<Toleration> tolerations() {
            return List.copyOf(tolerations);
        }
    }
}
