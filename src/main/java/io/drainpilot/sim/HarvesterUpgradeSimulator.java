package io.drainpilot.sim;

import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A Harvester rolling upgrade on the simulated cluster: Harvester's upgrade controllers and node jobs of the
 * scenario's release ({@link HarvesterUpgradeController}), Rancher's per-node flow ({@link RancherUpgradeFlow}) and a
 * record of what they did ({@link HarvesterRecord}); KubeVirt's evacuation controller runs in the
 * {@link KubeVirtSimulator}. Its own loop ticks every {@link SimSettings#tickMillis()} and reads the cluster
 * through the API like the real controllers, so DrainPilot can run beside it: a hook DrainPilot registers in the
 * scenario ({@link HarvesterSpec#preDrainHook}) holds every node's drain until DrainPilot answers, and DrainPilot may
 * edit the Upgrade's pause map.
 */
public final class HarvesterUpgradeSimulator {
    private static final Logger LOG = LoggerFactory.getLogger(HarvesterUpgradeSimulator.class);

    /** The Upgrade as its {@code harvesterhci.io/upgradeState} label tells it. */
    public enum UpgradeState {
        NOT_STARTED(null), PREPARING_NODES(UpgradeCr.STATE_PREPARING_NODES),
        UPGRADING_SYSTEM_SERVICES(UpgradeCr.STATE_UPGRADING_SYSTEM_SERVICES),
        UPGRADING_NODES(UpgradeCr.STATE_UPGRADING_NODES), SUCCEEDED(UpgradeCr.STATE_SUCCEEDED),
        FAILED(UpgradeCr.STATE_FAILED);

        private final String wire;

        UpgradeState(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }

        static UpgradeState of(GenericKubernetesResource upgrade) {
            String label = UpgradeCr.upgradeState(upgrade);
            for (UpgradeState s : values()) {
                if (s.wire != null && s.wire.equals(label)) {
                    return s;
                }
            }
            return NOT_STARTED;
        }

        boolean isFinal() {
            return this == SUCCEEDED || this == FAILED;
        }
    }

    /** Harvester's upgrade webhook refused the Upgrade. */
    public static final class UpgradeRefusedException extends RuntimeException {
        UpgradeRefusedException(String message) {
            super(message);
        }
    }

    private final KubernetesClient client;
    private final SimSettings settings;
    private final HarvesterSpec spec;
    private final SimRecord simRecord;
    private final HarvesterContext ctx;
    private final HarvesterUpgradeController harvester;
    private final RancherUpgradeFlow rancher;
    private final DowntimeTracker downtime;
    private final Object progress = new Object();
    private volatile UpgradeState state = UpgradeState.NOT_STARTED;
    private volatile Instant startedAt;
    private ScheduledExecutorService loop;

    HarvesterUpgradeSimulator(KubernetesClient client, SimSettings settings, HarvesterSpec spec, SimRecord simRecord) {
        this.client = client;
        this.settings = settings;
        this.spec = spec;
        this.simRecord = simRecord;
        HarvesterRecord record = new HarvesterRecord();
        this.ctx = new HarvesterContext(client, new HarvesterWriter(client, spec.upgradeName()), record, spec, settings);
        this.harvester = new HarvesterUpgradeController(ctx);
        this.rancher = new RancherUpgradeFlow(ctx);
        this.downtime = new DowntimeTracker(record);
    }

    synchronized void start() {
        if (loop != null) {
            return;
        }
        loop = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "harvester-simulator");
            t.setDaemon(true);
            return t;
        });
        loop.scheduleWithFixedDelay(this::tick, 0, settings.tickMillis(), TimeUnit.MILLISECONDS);
    }

    synchronized void stop() {
        if (loop == null) {
            return;
        }
        loop.shutdown();
        try {
            loop.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        loop = null;
    }

    /**
     * Creates the Upgrade CR as a user does, after Harvester's webhooks: the mutator adds the pause map in manual
     * node-upgrade mode (v1.7+), the validator may refuse. Then the simulated controllers take it from node
     * preparation to the end.
     *
     * @throws UpgradeRefusedException with the webhook's message
     */
    public synchronized void startUpgrade() {
        if (startedAt != null) {
            throw new IllegalStateException("the upgrade has already started");
        }
        List<Node> nodes = client.nodes().list().getItems();
        if (nodes.size() < 2) {
            throw new UnsupportedOperationException("single-node upgrades (no Rancher drain) are not simulated");
        }
        Map<String, String> pauseMap = UpgradeAdmission.pauseMap(spec, nodes).orElse(Map.of());
        List<VirtualMachineInstance> vmis = client.resources(VirtualMachineInstance.class).inAnyNamespace().list()
                .getItems();
        Optional<String> denial = UpgradeAdmission.deny(spec, nodes, vmis, pauseMap);
        if (denial.isPresent()) {
            throw new UpgradeRefusedException(denial.get());
        }
        Map<String, String> annotations = new LinkedHashMap<>();
        if (!pauseMap.isEmpty()) {
            annotations.put(HarvesterNames.PAUSE_MAP_ANNOTATION, Serialization.asJson(pauseMap));
        }
        if (spec.skipsWebhook()) {
            annotations.put(HarvesterNames.SKIP_WEBHOOK_ANNOTATION, "true");
        }
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("previousVersion", spec.previousVersion());
        status.put("conditions", List.of(
                Map.of("type", "ImageReady", "status", "True"),
                Map.of("type", "RepoReady", "status", "True"),
                Map.of("type", "NodesPrepared", "status", "Unknown")));
        ctx.writer().createUpgrade(new GenericKubernetesResourceBuilder()
                .withApiVersion(HarvesterNames.GROUP_VERSION).withKind(HarvesterNames.UPGRADE_KIND)
                .withNewMetadata().withNamespace(Scenario.HARVESTER_NAMESPACE).withName(spec.upgradeName())
                .addToLabels(HarvesterNames.LATEST_UPGRADE_LABEL, "true")
                .addToLabels(HarvesterNames.UPGRADE_STATE_LABEL, UpgradeCr.STATE_PREPARING_NODES)
                .withAnnotations(annotations).endMetadata()
                .addToAdditionalProperties("spec", Map.of("version", spec.version().text(), "logEnabled", false))
                .addToAdditionalProperties("status", status)
                .build());
        startedAt = Instant.now();
        harvester.requestStart();
        LOG.info("Harvester upgrade {} to {} started", spec.upgradeName(), spec.version());
    }

    /**
     * Waits until the Upgrade has succeeded or failed and, when it succeeded, Rancher has uncordoned the last node
     * and removed its annotations.
     *
     * @return {@link UpgradeState#SUCCEEDED} or {@link UpgradeState#FAILED}
     * @throws IllegalStateException when that takes longer than {@code timeout}, naming each node's state
     */
    public UpgradeState awaitUpgradeDone(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (progress) {
            while (!isDone()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IllegalStateException("upgrade not done after " + timeout + ": " + state
                            + ", nodes " + nodeStates());
                }
                try {
                    progress.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted waiting for the upgrade", e);
                }
            }
        }
        return state;
    }

    private boolean isDone() {
        return state == UpgradeState.FAILED || (state == UpgradeState.SUCCEEDED && rancher.finished());
    }

    public UpgradeState upgradeState() {
        return state;
    }

    /** The node's state in the Upgrade's {@code status.nodeStatuses}, read from the API. */
    public Optional<NodeUpgradeState> nodeState(String node) {
        return Optional.ofNullable(nodeStates().get(node));
    }

    public Map<String, NodeUpgradeState> nodeStates() {
        return new TreeMap<>(UpgradeCr.nodeStates(upgrade()));
    }

    /** Edits the Upgrade's pause map as a user or DrainPilot would (v1.7 acts on it; older releases ignore it). */
    public void pause(String... nodes) {
        setPauseMap(HarvesterNames.PAUSE, nodes);
    }

    public void unpause(String... nodes) {
        setPauseMap(HarvesterNames.UNPAUSE, nodes);
    }

    private void setPauseMap(String action, String... nodes) {
        ctx.writer().updateUpgrade(u -> {
            Map<String, String> map = new TreeMap<>(UpgradeCr.pauseMap(u));
            Arrays.stream(nodes).forEach(n -> map.put(n, action));
            u.getMetadata().getAnnotations().put(HarvesterNames.PAUSE_MAP_ANNOTATION, Serialization.asJson(map));
        });
    }

    public HarvesterRecord record() {
        return ctx.record();
    }

    public HarvesterSpec spec() {
        return spec;
    }

    public HarvesterVersion version() {
        return spec.version();
    }

    /** The nodes in Rancher's order; empty until Rancher has started. */
    public List<String> rancherOrder() {
        return ctx.record().rancherOrder();
    }

    /** Every migration created since the upgrade started, by VM ({@code ns/name}), oldest first. */
    public Map<String, List<String>> migrationsByVm() {
        Instant from = startedAt;
        if (from == null) {
            return Map.of();
        }
        return simRecord.migrationsCreated().stream().filter(m -> !m.time().isBefore(from))
                .collect(Collectors.groupingBy(m -> m.namespace() + "/" + m.vmiName(), TreeMap::new,
                        Collectors.mapping(SimRecord.CreatedMigration::name, Collectors.toList())));
    }

    /** The Upgrade CR as the API has it now, or null before the upgrade starts. */
    public GenericKubernetesResource upgrade() {
        return client.genericKubernetesResources(HarvesterNames.GROUP_VERSION, HarvesterNames.UPGRADE_KIND)
                .inNamespace(Scenario.HARVESTER_NAMESPACE).withName(spec.upgradeName()).get();
    }

    private void tick() {
        try {
            HarvesterView view = HarvesterView.read(client, spec.upgradeName());
            harvester.reconcile(view);
            rancher.reconcile(view);
            if (startedAt != null) {
                downtime.observe(view);
                // after this tick's writes
                state = UpgradeState.of(upgrade());
            }
        } catch (Exception e) {
            LOG.warn("Harvester simulation tick failed, continuing: {}", e.toString());
        } finally {
            synchronized (progress) {
                progress.notifyAll();
            }
        }
    }
}
