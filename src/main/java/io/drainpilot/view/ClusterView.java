package io.drainpilot.view;

import io.drainpilot.config.Settings;
import io.drainpilot.kubevirt.ClusterApi;
import io.drainpilot.kubevirt.KubeVirt;
import io.drainpilot.kubevirt.VirtualMachine;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.kubevirt.VirtualMachineInstanceMigration;
import io.drainpilot.kubevirt.ViewLink;
import io.drainpilot.names.Bookkeeping;
import io.drainpilot.names.Names;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The cluster as DrainPilot sees it: caches kept current by watches (fabric8 informers), read without any request.
 * Always watched: Nodes, Rancher's machine-plan Secrets, migrations, the VMs that carry one of DrainPilot's labels, the
 * KubeVirt CR and Harvester upgrades (when the cluster has them). Watched on demand: the VMIs of a node, from the
 * first time a drain needs them (the draining node, candidate targets) until no drain does; the virt-launcher pods of a
 * node, from the first time a drain plans a host-model VMI there until no drain needs the node. Changes go to one
 * {@link ClusterChanges} listener; DrainPilot's own writes enter the caches at once ({@link ViewLink}).
 */
public final class ClusterView implements ViewLink, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterView.class);

    static final String BY_MACHINE = "machine";
    static final String BY_VMI = "vmi";
    static final String BY_SOURCE = "source";
    static final String BY_CREATOR = "creator";
    /** VM label caches: the only VM labels DrainPilot reads are its own. */
    static final List<String> VM_LABELS = List.of(Names.SKIP, Names.FALLBACK, Bookkeeping.STOPPED);

    private final ClusterApi api;
    private final Settings settings;
    private final Duration syncTimeout;
    private volatile ClusterChanges listener = ClusterChanges.NONE;

    private final CachedStore<Node> nodes = new CachedStore<>(Trim::node,
            Map.of(BY_MACHINE, n -> optional(annotations(n).get(Names.CAPI_MACHINE_ANNOTATION))));
    private final CachedStore<Secret> planSecrets = new CachedStore<>(Trim::secret,
            Map.of(BY_MACHINE, s -> optional(labels(s).get(Names.RANCHER_MACHINE_NAME_LABEL))));
    private final CachedStore<VirtualMachineInstanceMigration> migrations = new CachedStore<>(Trim::migration,
            Map.of(BY_VMI, m -> List.of(CachedStore.keyOf(m.getMetadata().getNamespace(), m.vmiName())),
                    BY_SOURCE, m -> optional(sourceNode(m))));
    private final Map<String, CachedStore<VirtualMachine>> labelledVms = new LinkedHashMap<>();
    private final CachedStore<KubeVirt> kubeVirts = new CachedStore<>(Trim::metadataOnly);
    private final CachedStore<GenericKubernetesResource> upgrades = new CachedStore<>(Trim::generic);
    private final Map<String, NodeVmis> vmisByNode = new ConcurrentHashMap<>();
    private final Map<String, NodePods> podsByNode = new ConcurrentHashMap<>();
    private final List<SharedIndexInformer<?>> informers = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final List<OptionalKind> optional = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final java.util.concurrent.ScheduledExecutorService retries =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "drainpilot-view-probe");
                t.setDaemon(true);
                return t;
            });
    private static final Duration PROBE_RETRY = Duration.ofSeconds(2);
    private volatile boolean started;

    public ClusterView(ClusterApi api, Settings settings, Duration syncTimeout) {
        this.api = api;
        this.settings = settings;
        this.syncTimeout = syncTimeout;
        VM_LABELS.forEach(key -> labelledVms.put(key, new CachedStore<>(Trim::vm)));
    }

    public void listen(ClusterChanges changes) {
        this.listener = changes == null ? ClusterChanges.NONE : changes;
    }

    /** Starts the watches (returns at once; {@link #synced()} tells when the first lists are in). */
    public synchronized void start() {
        if (started) {
            return;
        }
        started = true;
        api.link(this);
        add(api.nodeInformer(nodes), handler((a, b) -> listener.node(a, b)));
        if (settings.signalRancherHook) {
            add(api.planSecretInformer(settings.rancherPlanNamespace, Names.RANCHER_PLAN_SECRET_TYPE, planSecrets),
                    handler((a, b) -> listener.planSecret(a, b)));
        }
        add(api.migrationInformer(migrations), handler((a, b) -> listener.migration(a, b)));
        labelledVms.forEach((key, store) -> add(api.vmInformer(key, store), handler((a, b) -> listener.vm(a, b))));
        optional.add(new OptionalKind("the KubeVirt CR", ResourceDefinitionContext.fromResourceType(KubeVirt.class), null,
                () -> add(api.kubeVirtInformer(kubeVirts), handler((a, b) -> listener.installation())),
                "KubeVirt's default migration limits apply and target steering stays off in auto mode"));
        optional.add(new OptionalKind("Harvester upgrades", ClusterApi.HARVESTER_UPGRADE, ClusterApi.HARVESTER_NAMESPACE,
                () -> add(api.upgradeInformer(upgrades), handler((a, b) -> listener.installation())),
                "no Harvester upgrade is followed"));
        optional.forEach(this::probe);
    }

    /** A kind the cluster may not have (its CRD not installed, or not readable): watched only once it is there. */
    private final class OptionalKind {
        final String what;
        final ResourceDefinitionContext kind;
        final String namespace;
        final Runnable watch;
        final String without;
        volatile boolean decided;

        OptionalKind(String what, ResourceDefinitionContext kind, String namespace, Runnable watch, String without) {
            this.what = what;
            this.kind = kind;
            this.namespace = namespace;
            this.watch = watch;
            this.without = without;
        }
    }

    /** Asks whether the cluster serves the kind; an API error is asked again later, never taken as "no". */
    private void probe(OptionalKind k) {
        if (!started) {
            return;
        }
        try {
            if (api.serves(k.kind, k.namespace)) {
                k.watch.run();
            } else {
                LOG.info("No {} can be read: {}", k.what, k.without);
            }
            k.decided = true;
        } catch (RuntimeException e) {
            LOG.debug("could not tell whether the cluster serves {} ({}); asking again", k.what, e.toString());
            retries.schedule(() -> probe(k), PROBE_RETRY.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Starts an informer that keeps trying, also when its first list fails: an API error must not stop a watch. */
    private synchronized <T> void add(SharedIndexInformer<T> informer, ResourceEventHandler<T> handler) {
        informer.exceptionHandler((wasStarted, error) -> started).addEventHandler(handler);
        informers.add(informer);
        informer.start();
    }

    /** True once every always-on watch has its first list. */
    public boolean synced() {
        return started && optional.stream().allMatch(k -> k.decided)
                && informers.stream().allMatch(SharedIndexInformer::hasSynced);
    }

    /** What is not synced yet, for readiness; empty when all is. */
    public String notSynced() {
        if (!started) {
            return "the cluster view has not started";
        }
        List<String> waiting = new ArrayList<>(informers.stream().filter(i -> !i.hasSynced())
                .map(i -> i.getApiTypeClass().getSimpleName()).toList());
        optional.stream().filter(k -> !k.decided).forEach(k -> waiting.add(k.what));
        return waiting.isEmpty() ? "" : "waiting for the first list of " + String.join(", ", waiting);
    }

    public boolean awaitSynced(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!synced()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20); // informers offer no combined future that also covers later re-lists
        }
        return true;
    }

    // ---- nodes and plan Secrets

    public List<Node> nodes() {
        return nodes.list();
    }

    public Optional<Node> node(String name) {
        return Optional.ofNullable(nodes.get(name));
    }

    public Optional<Node> nodeOfMachine(String machine) {
        return nodes.byIndex(BY_MACHINE, machine).stream().findFirst();
    }

    public List<Secret> planSecrets() {
        return planSecrets.list();
    }

    public Optional<Secret> planSecretOfMachine(String machine) {
        return planSecrets.byIndex(BY_MACHINE, machine).stream().findFirst();
    }

    // ---- migrations

    public List<VirtualMachineInstanceMigration> migrations() {
        return migrations.list();
    }

    public List<VirtualMachineInstanceMigration> migrationsOfVmi(String namespace, String vmi) {
        return migrations.byIndex(BY_VMI, CachedStore.keyOf(namespace, vmi));
    }

    /** Migrations whose source is this node (our label, else what KubeVirt reports). */
    public List<VirtualMachineInstanceMigration> migrationsFrom(String node) {
        return migrations.byIndex(BY_SOURCE, node);
    }

    public Set<String> nodesWithMigrations() {
        return migrations.indexValues(BY_SOURCE);
    }

    // ---- installation

    public Optional<KubeVirt> kubeVirt() {
        return kubeVirts.values().findFirst();
    }

    public List<GenericKubernetesResource> harvesterUpgrades() {
        return upgrades.list();
    }

    /**
     * Harvester's {@code server-version} setting, read when asked while an upgrade runs and kept for a minute (it
     * changes once per upgrade); empty without Harvester.
     */
    public Optional<String> harvesterVersion() {
        if (upgrades.size() == 0) {
            return Optional.empty();
        }
        long now = System.nanoTime();
        VersionRead last = serverVersion;
        if (last == null || now - last.at() > VERSION_TTL.toNanos()) {
            last = new VersionRead(api.harvesterSetting(SERVER_VERSION), now);
            serverVersion = last;
        }
        return last.value();
    }

    private record VersionRead(Optional<String> value, long at) {
    }

    private static final String SERVER_VERSION = "server-version";
    private static final Duration VERSION_TTL = Duration.ofMinutes(1);
    private volatile VersionRead serverVersion;

    // ---- VMIs, watched per node

    /**
     * The VMIs KubeVirt reports on this node. The first call for a node opens its watch and waits for its first list
     * (up to the sync timeout; then it throws and the evaluation is tried again later).
     */
    public List<VirtualMachineInstance> vmisOn(String node) {
        // the API server filters by drainpilot.vm.selector already; a VMI read fresh into the cache is checked here
        boolean byLabel = selectableByLabel(node);
        return watch(node).store.list().stream().filter(v -> settings.vmSelector.matches(v.getMetadata().getLabels()))
                .filter(v -> byLabel || v.nodeName().map(node::equals).orElse(false))
                .toList();
    }

    /**
     * A node whose name is a valid label value: its VMIs are listed by KubeVirt's {@code kubevirt.io/nodeName} label.
     * A longer name cannot be (the API server refuses the selector): that node's watch holds every VMI, and its VMIs
     * are those reported running there.
     */
    static boolean selectableByLabel(String node) {
        return Names.labelValue(node).equals(node);
    }

    /** True when the node's VMIs are watched already (no request needed to read them). */
    public boolean watching(String node) {
        NodeVmis w = vmisByNode.get(node);
        return w != null && w.informer.hasSynced();
    }

    /** A VMI on one of the watched nodes; empty when it is on none of them (or gone). */
    public Optional<VirtualMachineInstance> vmi(String namespace, String name) {
        String key = CachedStore.keyOf(namespace, name);
        return vmisByNode.values().stream().map(w -> w.store.get(key)).filter(v -> v != null).findFirst();
    }

    public Set<String> watchedNodes() {
        return new TreeSet<>(vmisByNode.keySet());
    }

    /** Closes the VMI and virt-launcher pod watches of nodes no drain needs any more. */
    public void keepWatching(Set<String> needed) {
        for (String node : new HashSet<>(podsByNode.keySet())) {
            if (!needed.contains(node)) {
                NodePods w = podsByNode.remove(node);
                if (w != null) {
                    w.informer.close();
                    LOG.debug("virt-launcher pods of {} no longer watched", node);
                }
            }
        }
        for (String node : new HashSet<>(vmisByNode.keySet())) {
            if (!needed.contains(node)) {
                NodeVmis w = vmisByNode.remove(node);
                if (w != null) {
                    w.informer.close();
                    LOG.debug("VMIs of {} no longer watched", node);
                }
            }
        }
    }

    private NodeVmis watch(String node) {
        NodeVmis w = vmisByNode.computeIfAbsent(node, n -> {
            CachedStore<VirtualMachineInstance> store = new CachedStore<>(Trim::vmi);
            SharedIndexInformer<VirtualMachineInstance> informer = api.vmiInformer(n, settings.vmSelector.text(), store)
                    .exceptionHandler((wasStarted, error) -> started)
                    .addEventHandler(handler((a, b) -> listener.vmi(n, a, b)));
            informer.start();
            return new NodeVmis(informer, store);
        });
        if (!w.informer.hasSynced()) {
            try {
                w.informer.start().toCompletableFuture().get(syncTimeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                vmisByNode.remove(node, w);
                w.informer.close();
                throw new IllegalStateException("could not list the VMIs of " + node + " within "
                        + syncTimeout.toMillis() + " ms: " + e, e);
            }
        }
        return w;
    }

    // ---- virt-launcher pods, watched per node

    /**
     * The Running virt-launcher pod of the VMI with this uid on this node (trimmed to identity, KubeVirt's labels, node,
     * phase and the CPU keys of its nodeSelector); empty when none is seen. The first call for a node opens its watch
     * and waits for its first list (up to the sync timeout; then it throws and the evaluation is tried again later).
     */
    public Optional<Pod> launcherPod(String node, String vmiUid) {
        if (vmiUid == null) {
            return Optional.empty();
        }
        NodePods w = podsByNode.computeIfAbsent(node, n -> {
            CachedStore<Pod> store = new CachedStore<>(Trim::launcherPod, Map.of(BY_CREATOR,
                    p -> optional(labels(p).get(io.drainpilot.kubevirt.KubeVirtNames.LABEL_CREATED_BY))));
            SharedIndexInformer<Pod> informer = api.launcherPodInformer(n, store)
                    .exceptionHandler((wasStarted, error) -> started);
            informer.start();
            return new NodePods(informer, store);
        });
        if (!w.informer.hasSynced()) {
            try {
                w.informer.start().toCompletableFuture().get(syncTimeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                podsByNode.remove(node, w);
                w.informer.close();
                throw new IllegalStateException("could not list the virt-launcher pods of " + node + " within "
                        + syncTimeout.toMillis() + " ms: " + e, e);
            }
        }
        return w.store.byIndex(BY_CREATOR, vmiUid).stream()
                .filter(p -> p.getStatus() != null && "Running".equals(p.getStatus().getPhase()))
                .filter(p -> p.getSpec() != null && node.equals(p.getSpec().getNodeName()))
                .findFirst();
    }

    // ---- VMs carrying DrainPilot's labels

    /** The VM if it carries one of DrainPilot's labels; empty means it carries none of them. */
    public Optional<VirtualMachine> labelledVm(String namespace, String name) {
        String key = CachedStore.keyOf(namespace, name);
        return labelledVms.values().stream().map(s -> s.get(key)).filter(v -> v != null).findFirst();
    }

    public List<VirtualMachine> vmsLabelled(String key) {
        CachedStore<VirtualMachine> store = labelledVms.get(key);
        if (store == null) {
            throw new IllegalArgumentException("VMs labelled " + key + " are not watched");
        }
        return store.list();
    }

    // ---- ViewLink: our own writes

    @Override
    @SuppressWarnings("unchecked")
    public <T extends HasMetadata> T cached(Class<T> type, String namespace, String name) {
        String key = CachedStore.keyOf(namespace, name);
        Object o = null;
        if (type == Node.class) {
            o = nodes.get(key);
        } else if (type == Secret.class) {
            o = planSecrets.get(key);
        } else if (type == VirtualMachineInstanceMigration.class) {
            o = migrations.get(key);
        } else if (type == VirtualMachineInstance.class) {
            o = vmi(namespace, name).orElse(null);
        } else if (type == VirtualMachine.class) {
            o = null; // cached VMs are trimmed to their labels: a VM write always starts from a fresh read
        } else if (type == GenericKubernetesResource.class) {
            o = upgrades.get(key);
        }
        return (T) o;
    }

    @Override
    public void written(HasMetadata o) {
        if (o instanceof Node n) {
            nodes.assume(n);
        } else if (o instanceof Secret s && planSecrets.get(planSecrets.getKey(s)) != null) {
            planSecrets.assume(s);
        } else if (o instanceof VirtualMachineInstanceMigration m) {
            migrations.assume(m);
        } else if (o instanceof GenericKubernetesResource g && "Upgrade".equals(g.getKind())) {
            upgrades.assume(g);
        } else if (o instanceof VirtualMachineInstance v) {
            // each node's store holds the VMIs labelled with that node: a VMI that moved leaves the old one
            String key = CachedStore.keyOf(v.getMetadata().getNamespace(), v.getMetadata().getName());
            String node = labels(v).get(io.drainpilot.kubevirt.KubeVirtNames.LABEL_NODE_NAME);
            vmisByNode.forEach((watched, w) -> {
                if (watched.equals(node) || !selectableByLabel(watched)) {
                    w.store.assume(v);
                } else if (w.store.get(key) != null) {
                    w.store.remove(key);
                }
            });
        } else if (o instanceof VirtualMachine vm) {
            labelledVms.forEach((label, store) -> {
                if (vm.getMetadata().getLabels() != null && vm.getMetadata().getLabels().containsKey(label)) {
                    store.assume(vm);
                } else {
                    store.remove(store.getKey(vm));
                }
            });
        }
    }

    @Override
    public void deleted(HasMetadata o) {
        if (o instanceof VirtualMachineInstanceMigration m) {
            migrations.remove(migrations.getKey(m));
        }
    }

    @Override
    public synchronized void close() {
        started = false;
        retries.shutdownNow();
        informers.forEach(SharedIndexInformer::close);
        informers.clear();
        vmisByNode.values().forEach(w -> w.informer.close());
        vmisByNode.clear();
        podsByNode.values().forEach(w -> w.informer.close());
        podsByNode.clear();
        api.link(ViewLink.NONE);
        api.close();
    }

    // ---- helpers

    private record NodeVmis(SharedIndexInformer<VirtualMachineInstance> informer, CachedStore<VirtualMachineInstance> store) {
    }

    private record NodePods(SharedIndexInformer<Pod> informer, CachedStore<Pod> store) {
    }

    /** Every change to one listener call; a listener that throws never stops the watch. */
    private static <T> ResourceEventHandler<T> handler(java.util.function.BiConsumer<T, T> change) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) {
                call(null, obj);
            }

            @Override
            public void onUpdate(T before, T after) {
                call(before, after);
            }

            @Override
            public void onDelete(T obj, boolean finalStateUnknown) {
                call(obj, null);
            }

            private void call(T before, T after) {
                try {
                    change.accept(before, after);
                } catch (RuntimeException e) {
                    LOG.warn("reacting to a cluster change failed: {}", e.toString());
                }
            }
        };
    }

    /** The node a migration leaves: DrainPilot's label, else the source KubeVirt reports. */
    public static String sourceNode(VirtualMachineInstanceMigration m) {
        String ours = Names.sourceNodeOf(labels(m), annotations(m));
        if (ours != null) {
            return ours;
        }
        return m.getStatus() == null || m.getStatus().migrationState == null ? null : m.getStatus().migrationState.sourceNode;
    }

    static Map<String, String> labels(HasMetadata o) {
        return o.getMetadata() == null || o.getMetadata().getLabels() == null ? Map.of() : o.getMetadata().getLabels();
    }

    static Map<String, String> annotations(HasMetadata o) {
        return o.getMetadata() == null || o.getMetadata().getAnnotations() == null ? Map.of() : o.getMetadata().getAnnotations();
    }

    private static List<String> optional(String value) {
        return value == null ? List.of() : List.of(value);
    }
}
