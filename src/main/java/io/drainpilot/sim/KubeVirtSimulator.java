package io.drainpilot.sim;

import io.fabric8.kubernetes.client.KubernetesClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Acts as KubeVirt's controllers on the simulated cluster: every tick it reads the cluster and lets the VM
 * controller, the evacuation controller (when the scenario runs it) and the migration controller act. Failures can
 * be injected per VMI. Each running VMI has its virt-launcher pod ({@link LauncherPods}); a migration's target pod is
 * placed by the CPU selectors KubeVirt gives it ({@link TargetScheduler}).
 */
public final class KubeVirtSimulator {
    private static final Logger LOG = LoggerFactory.getLogger(KubeVirtSimulator.class);

    private final KubernetesClient client;
    private final SimSettings settings;
    private final FaultPlan faults = new FaultPlan();
    private final VmController vms;
    private final MigrationController migrations;
    private final EvacuationController evacuation;
    private final LauncherPods pods;
    /** How fast each guest (namespace/name) dirties its memory, in bytes per second: a workload, not an API field. */
    private final Map<String, Double> dirtyRates = new ConcurrentHashMap<>();
    private ScheduledExecutorService loop;

    /** @param evacuation whether KubeVirt's evacuation controller runs */
    KubeVirtSimulator(KubernetesClient client, SimSettings settings, SimRecord record, boolean evacuation,
                      String kubeVirtVersion) {
        this.client = client;
        this.settings = settings;
        TargetScheduler scheduler = new TargetScheduler();
        ClusterWriter writer = new ClusterWriter(client);
        this.pods = new LauncherPods(client);
        this.vms = new VmController(client, writer, scheduler, settings, pods);
        // KubeVirt 1.8 keeps every migration within the source node's CPU vendor
        this.migrations = new MigrationController(writer, settings, record, faults, scheduler, pods,
                !KubeVirtVersions.isBefore(kubeVirtVersion, 1, 8),
                // KubeVirt 1.3 allowed 800 s per GiB; 1.4 lowered the default to 150 s
                KubeVirtVersions.isBefore(kubeVirtVersion, 1, 4) ? 800 : 150, dirtyRates::get);
        this.evacuation = evacuation ? new EvacuationController(client, writer) : null;
    }

    public synchronized void start() {
        if (loop != null) {
            return;
        }
        loop = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kubevirt-simulator");
            t.setDaemon(true);
            return t;
        });
        loop.scheduleWithFixedDelay(this::tick, 0, settings.tickMillis(), TimeUnit.MILLISECONDS);
    }

    public synchronized void stop() {
        if (loop == null) {
            return;
        }
        // let a running tick finish: interrupting it would only produce spurious client errors
        loop.shutdown();
        try {
            loop.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        loop = null;
    }

    /** The next migration of this VMI fails with {@code reason} when it would have succeeded. */
    public void failNextMigrationOf(String namespace, String vmiName, String reason) {
        faults.failNext(namespace, vmiName, reason);
    }

    /** Every migration of this VMI fails with {@code reason} until {@link #clearFaultsOf}. */
    public void failAllMigrationsOf(String namespace, String vmiName, String reason) {
        faults.failAll(namespace, vmiName, reason);
    }

    /** Migrations of this VMI stay Running until their VMIM is deleted (or {@link #clearFaultsOf}). */
    public void stallMigrationsOf(String namespace, String vmiName) {
        faults.stall(namespace, vmiName);
    }

    /** The guest of this VMI writes {@code bytesPerSecond} of memory from now on (0: idle). */
    public void setDirtyRate(String namespace, String vmiName, double bytesPerSecond) {
        dirtyRates.put(ClusterView.key(namespace, vmiName), bytesPerSecond);
    }

    /** The running migrations as virt-handler's metrics report them. */
    public List<MigrationSample> migrationSamples() {
        return migrations.samples();
    }

    public void clearFaultsOf(String namespace, String vmiName) {
        faults.clear(namespace, vmiName);
    }

    private void tick() {
        // the loop must survive anything: an exception would cancel the scheduled task for good
        try {
            ClusterView view = ClusterView.read(client);
            NodeCapacity capacity = new NodeCapacity(view);
            migrations.reserveTargets(capacity);
            vms.reconcile(view, capacity);
            if (evacuation != null) {
                evacuation.reconcile(view);
            }
            migrations.reconcile(view, capacity);
            pods.collectGarbage(view);
        } catch (Exception e) {
            LOG.warn("simulator tick failed, continuing: {}", e.toString());
        }
    }
}
