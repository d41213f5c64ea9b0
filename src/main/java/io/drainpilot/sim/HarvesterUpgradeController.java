package io.drainpilot.sim;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Secret;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Harvester's upgrade controllers for the phases around the node upgrades, acting on one tick's view:
 * <ul>
 *   <li>the upgrade handler: images preloaded node by node (the {@code sequential} strategy), system services, then
 *   {@code upgradeKubernetes} (Harvester's pre-drain and post-drain hooks added to Rancher's drain options, drain
 *   enabled, the new RKE2 version), which starts Rancher's rollout;</li>
 *   <li>the plan-Secret handler: on {@code rke.cattle.io/pre-drain} for a node in {@code Images preloaded} it creates
 *   the pre-drain job ({@code Pre-draining}), unless (v1.7+) the pause map pauses the node ({@code Node-upgrade
 *   paused}, no job; once unpaused the state goes back to {@code Images preloaded} and the Secret is looked at again
 *   after 5 s); on {@code rke.cattle.io/post-drain} for a {@code Pre-drained} node it creates the post-drain job
 *   ({@code Post-draining}). A job waits while another node is in any state but {@code Succeeded} or
 *   {@code Images preloaded}, or while any of the upgrade's jobs has not succeeded;</li>
 *   <li>the job handler: a completed pre-drain job makes the node {@code Pre-drained} and copies
 *   {@code rke.cattle.io/pre-drain} into {@code harvesterhci.io/pre-hook}; a completed post-drain job makes it
 *   {@code Succeeded} (after creating the restore-vm job when restoreVM is on and the detector recorded VMs for the
 *   node; v1.6+) when the node already runs the new OS image, else {@code Waiting Reboot} with the node annotated
 *   {@code harvesterhci.io/pendingOSImage};</li>
 *   <li>the node handler: a {@code Waiting Reboot} node whose OS image now matches becomes {@code Succeeded}, and
 *   {@code rke.cattle.io/post-drain} is copied into {@code harvesterhci.io/post-hook};</li>
 *   <li>the Upgrade succeeds when every node has.</li>
 * </ul>
 * The node's reboot into the new OS happens {@link HarvesterTimings#reboot()} after its post-drain job ended; the
 * node stays Ready meanwhile.
 *
 * <p>Simplifications: the Upgrade is created already past log, image and repo preparation (the repo VM is part of
 * the scenario); preloading and system services are delays; node jobs are acted out (see {@link PreDrainJob},
 * {@link PostDrainJob}, {@link RestoreVmJob}) and never fail; single-node upgrades (one job, no Rancher drain) and
 * the clean-up after success (repo VM and images deleted) are not simulated.
 */
final class HarvesterUpgradeController {
    private static final Logger LOG = LoggerFactory.getLogger(HarvesterUpgradeController.class);

    private enum Phase { IDLE, PREPARING_NODES, SYSTEM_SERVICES, UPGRADING_NODES, DONE }

    private final HarvesterContext ctx;
    private volatile boolean startRequested;
    private Phase phase = Phase.IDLE;
    private Instant phaseSince;
    private List<String> preloadOrder;
    private int preloaded;
    private final Map<String, NodeJob> jobs = new LinkedHashMap<>();
    private final Map<String, Instant> unpausedAt = new HashMap<>();
    private final Map<String, Instant> rebootEnds = new HashMap<>();

    HarvesterUpgradeController(HarvesterContext ctx) {
        this.ctx = ctx;
    }

    /** The Upgrade CR exists: begin with the node preparation on the next tick. */
    void requestStart() {
        startRequested = true;
    }

    boolean done() {
        return phase == Phase.DONE;
    }

    void reconcile(HarvesterView view) {
        if (view.upgrade() == null) {
            return;
        }
        Instant now = view.now();
        switch (phase) {
            case IDLE -> {
                if (startRequested) {
                    preloadOrder = view.nodes().keySet().stream().sorted().toList();
                    preloaded = 0;
                    phase = Phase.PREPARING_NODES;
                    startPreload(now);
                }
            }
            case PREPARING_NODES -> preload(now);
            case SYSTEM_SERVICES -> {
                if (!now.isBefore(phaseSince.plus(ctx.scaled(ctx.timings().systemServices())))) {
                    ctx.writer().updateUpgrade(u -> {
                        UpgradeCr.setCondition(u, "SystemServicesUpgraded", "True", null);
                        UpgradeCr.setCondition(u, "NodesUpgraded", "Unknown", null);
                        UpgradeCr.setUpgradeState(u, UpgradeCr.STATE_UPGRADING_NODES);
                    });
                    upgradeKubernetes();
                    phase = Phase.UPGRADING_NODES;
                    phaseSince = now;
                }
            }
            case UPGRADING_NODES -> upgradeNodes(view);
            case DONE -> {
                // nothing left: the clean-up is not simulated
            }
            default -> throw new IllegalStateException("unexpected phase " + phase);
        }
    }

    private void startPreload(Instant now) {
        String node = preloadOrder.get(preloaded);
        ctx.writer().updateUpgrade(u -> UpgradeCr.setNodeState(u, node, NodeUpgradeState.IMAGES_PRELOADING, null, null));
        phaseSince = now;
    }

    private void preload(Instant now) {
        if (now.isBefore(phaseSince.plus(ctx.scaled(ctx.timings().imagePreloadPerNode())))) {
            return;
        }
        String node = preloadOrder.get(preloaded);
        ctx.writer().updateUpgrade(u -> UpgradeCr.setNodeState(u, node, NodeUpgradeState.IMAGES_PRELOADED, null, null));
        preloaded++;
        if (preloaded < preloadOrder.size()) {
            startPreload(now);
            return;
        }
        ctx.writer().updateUpgrade(u -> {
            UpgradeCr.setCondition(u, "NodesPrepared", "True", null);
            UpgradeCr.setCondition(u, "SystemServicesUpgraded", "Unknown", null);
            UpgradeCr.setUpgradeState(u, UpgradeCr.STATE_UPGRADING_SYSTEM_SERVICES);
        });
        phase = Phase.SYSTEM_SERVICES;
        phaseSince = now;
    }

    /** Harvester's upgradeKubernetes: its hooks, drain on, concurrency 1, the new RKE2 version. */
    private void upgradeKubernetes() {
        ctx.writer().updateProvisioningCluster(c -> {
            Map<String, Object> spec = new LinkedHashMap<>(HarvesterView.asMap(c.getAdditionalProperties().get("spec")));
            Map<String, Object> rke = new LinkedHashMap<>(HarvesterView.asMap(spec.get("rkeConfig")));
            Map<String, Object> strategy = new LinkedHashMap<>(HarvesterView.asMap(rke.get("upgradeStrategy")));
            strategy.put("controlPlaneConcurrency", "1");
            strategy.put("workerConcurrency", "1");
            for (String pool : List.of("controlPlaneDrainOptions", "workerDrainOptions")) {
                Map<String, Object> options = new LinkedHashMap<>(HarvesterView.asMap(strategy.get(pool)));
                options.put("enabled", true);
                options.put("force", true);
                options.put("deleteEmptyDirData", true);
                options.put("ignoreDaemonSets", true);
                options.put("preDrainHooks", withHook(options.get("preDrainHooks"), HarvesterNames.PRE_HOOK));
                options.put("postDrainHooks", withHook(options.get("postDrainHooks"), HarvesterNames.POST_HOOK));
                strategy.put(pool, options);
            }
            rke.put("upgradeStrategy", strategy);
            rke.put("provisionGeneration", ((Number) rke.getOrDefault("provisionGeneration", 0)).intValue() + 1);
            spec.put("rkeConfig", rke);
            spec.put("kubernetesVersion", RancherUpgradeFlow.KUBERNETES_AFTER);
            c.getAdditionalProperties().put("spec", spec);
        });
        LOG.info("Harvester: upgrading Kubernetes to {} with Rancher's drain hooks", RancherUpgradeFlow.KUBERNETES_AFTER);
    }

    private static List<Object> withHook(Object hooks, String annotation) {
        List<Object> list = new ArrayList<>(hooks instanceof List<?> l ? l : List.of());
        if (list.stream().noneMatch(h -> annotation.equals(HarvesterView.asMap(h).get("annotation")))) {
            list.add(Map.of("annotation", annotation));
        }
        return list;
    }

    private void upgradeNodes(HarvesterView view) {
        view.planSecretsByMachine().forEach((machine, secret) ->
                view.nodeOfMachine(machine).ifPresent(node -> onPlanSecret(view, node, secret)));
        for (NodeJob job : new ArrayList<>(jobs.values())) {
            if (!job.isComplete()) {
                job.step(view, ctx);
            }
        }
        for (NodeJob job : new ArrayList<>(jobs.values())) {
            onJob(view, job);
        }
        reboots(view);
        onNodes(view);
        String state = UpgradeCr.upgradeState(view.upgrade());
        if (UpgradeCr.STATE_SUCCEEDED.equals(state) || UpgradeCr.STATE_FAILED.equals(state)) {
            phase = Phase.DONE;
            LOG.info("Harvester: upgrade {} {}", ctx.spec().upgradeName(), state);
        }
    }

    /** The plan-Secret handler (secret_controller.go). */
    private void onPlanSecret(HarvesterView view, String node, Secret secret) {
        Map<String, String> a = secret.getMetadata().getAnnotations() == null ? Map.of()
                : secret.getMetadata().getAnnotations();
        String preDrain = a.getOrDefault(HarvesterNames.RANCHER_PRE_DRAIN, "");
        String postDrain = a.getOrDefault(HarvesterNames.RANCHER_POST_DRAIN, "");
        if (preDrain.isEmpty() && postDrain.isEmpty()) {
            return;
        }
        boolean underPreDrain = !preDrain.equals(a.getOrDefault(HarvesterNames.PRE_HOOK, ""));
        if (!underPreDrain && postDrain.equals(a.getOrDefault(HarvesterNames.POST_HOOK, ""))) {
            return;
        }
        NodeUpgradeState state = view.nodeState(node);
        if (state == null) {
            return;
        }
        Instant now = view.now();
        GenericKubernetesResource upgrade = view.upgrade();
        switch (state) {
            case IMAGES_PRELOADED -> {
                if (!underPreDrain) {
                    return;
                }
                if (ctx.version().honoursPauseMap() && UpgradeCr.paused(upgrade, node)) {
                    ctx.writer().updateUpgrade(u -> UpgradeCr.setNodeState(u, node, NodeUpgradeState.UPGRADE_PAUSED,
                            "AdministrativelyPaused", "Node upgrade paused as requested by the user"));
                    ctx.record().step(node, UpgradeStep.UPGRADE_PAUSED, now);
                    LOG.info("Harvester: pre-drain job creation for {} paused", node);
                    return;
                }
                Instant unpaused = unpausedAt.get(node);
                if (unpaused != null && now.isBefore(unpaused.plus(ctx.scaled(ctx.timings().unpauseRequeue())))) {
                    return;
                }
                createHookJob(view, node, HarvesterNames.JOB_PRE_DRAIN, NodeUpgradeState.PRE_DRAINING);
            }
            case UPGRADE_PAUSED -> {
                if (!underPreDrain || UpgradeCr.paused(upgrade, node)) {
                    return;
                }
                ctx.writer().updateUpgrade(u -> UpgradeCr.setNodeState(u, node, NodeUpgradeState.IMAGES_PRELOADED,
                        null, null));
                unpausedAt.put(node, now);
                ctx.record().step(node, UpgradeStep.UPGRADE_UNPAUSED, now);
                LOG.info("Harvester: pre-drain job creation for {} unpaused", node);
            }
            case PRE_DRAINED -> {
                if (!postDrain.isEmpty() && !postDrain.equals(a.getOrDefault(HarvesterNames.POST_HOOK, ""))) {
                    createHookJob(view, node, HarvesterNames.JOB_POST_DRAIN, NodeUpgradeState.POST_DRAINING);
                }
            }
            default -> {
                // the other states wait for a job or a reboot
            }
        }
    }

    private void createHookJob(HarvesterView view, String node, String type, NodeUpgradeState next) {
        String name = HarvesterNames.jobName(ctx.spec().upgradeName(), type, node);
        if (jobs.containsKey(name) || !eligibleToDrain(view, node) || jobs.values().stream().anyMatch(j -> !j.isComplete())) {
            return;
        }
        ctx.writer().createJob(type, node);
        NodeJob job = HarvesterNames.JOB_PRE_DRAIN.equals(type) ? new PreDrainJob(node, view.now())
                : new PostDrainJob(node, view.now());
        jobs.put(name, job);
        ctx.writer().updateUpgrade(u -> UpgradeCr.setNodeState(u, node, next, null, null));
        ctx.record().step(node, HarvesterNames.JOB_PRE_DRAIN.equals(type) ? UpgradeStep.PRE_DRAIN_JOB_CREATED
                : UpgradeStep.POST_DRAIN_JOB_CREATED, view.now());
        LOG.info("Harvester: {} job created for {}", type, node);
    }

    /** Only one node may be anywhere between Images preloaded and Succeeded. */
    private static boolean eligibleToDrain(HarvesterView view, String node) {
        return UpgradeCr.nodeStates(view.upgrade()).entrySet().stream()
                .filter(e -> !e.getKey().equals(node))
                .allMatch(e -> e.getValue() == NodeUpgradeState.SUCCEEDED || e.getValue() == NodeUpgradeState.IMAGES_PRELOADED);
    }

    /** The job handler (job_controller.go syncNodeJob) for a completed job, once. */
    private void onJob(HarvesterView view, NodeJob job) {
        if (!job.isComplete()) {
            return;
        }
        NodeUpgradeState state = view.nodeState(job.node);
        String node = job.node;
        Instant now = view.now();
        if (HarvesterNames.JOB_PRE_DRAIN.equals(job.type) && state == NodeUpgradeState.PRE_DRAINING && job.takeCompletion()) {
            ctx.writer().updateUpgrade(u -> UpgradeCr.setNodeState(u, node, NodeUpgradeState.PRE_DRAINED, null, null));
            copyHookValue(view, node, HarvesterNames.RANCHER_PRE_DRAIN, HarvesterNames.PRE_HOOK);
            ctx.record().step(node, UpgradeStep.PRE_DRAINED, now);
        } else if (HarvesterNames.JOB_POST_DRAIN.equals(job.type) && state == NodeUpgradeState.POST_DRAINING
                && job.takeCompletion()) {
            Node n = view.nodes().get(node);
            String osImage = n == null || n.getStatus().getNodeInfo() == null ? null : n.getStatus().getNodeInfo().getOsImage();
            if (Objects.equals(ctx.spec().osImageAfter(), osImage)) {
                sendRestoreVmJob(view, node);
                ctx.writer().updateUpgrade(u -> UpgradeCr.setNodeState(u, node, NodeUpgradeState.SUCCEEDED, null, null));
                copyHookValue(view, node, HarvesterNames.RANCHER_POST_DRAIN, HarvesterNames.POST_HOOK);
                ctx.record().step(node, UpgradeStep.SUCCEEDED, now);
            } else {
                ctx.writer().updateUpgrade(u -> UpgradeCr.setNodeState(u, node, NodeUpgradeState.WAITING_REBOOT, null, null));
                ctx.writer().updateNode(node, x -> x.getMetadata().getAnnotations()
                        .put(HarvesterNames.PENDING_OS_IMAGE_ANNOTATION, ctx.spec().osImageAfter()));
                rebootEnds.put(node, now.plus(ctx.scaled(ctx.timings().reboot())));
                ctx.record().step(node, UpgradeStep.WAITING_REBOOT, now);
            }
        } else if (HarvesterNames.JOB_RESTORE_VM.equals(job.type)) {
            job.takeCompletion();
        }
    }

    /** v1.6+: restore the VMs the detector recorded for the node, when restoreVM is on. */
    private void sendRestoreVmJob(HarvesterView view, String node) {
        if (!ctx.version().recordsVmsToRestore() || !ctx.spec().restoreVm()) {
            return;
        }
        Node n = view.nodes().get(node);
        if (n != null && TargetScheduler.labels(n).containsKey(HarvesterNames.WITNESS_NODE_LABEL)) {
            return;
        }
        String name = HarvesterNames.jobName(ctx.spec().upgradeName(), HarvesterNames.JOB_RESTORE_VM, node);
        if (jobs.containsKey(name) || ctx.writer().vmsToRestore(node).isEmpty()) {
            return;
        }
        ctx.writer().createJob(HarvesterNames.JOB_RESTORE_VM, node);
        jobs.put(name, new RestoreVmJob(node, view.now()));
        LOG.info("Harvester: restore-vm job created for {}", node);
    }

    /** The node comes back from its reboot with the new OS image. */
    private void reboots(HarvesterView view) {
        for (Map.Entry<String, Instant> e : new ArrayList<>(rebootEnds.entrySet())) {
            if (!view.now().isBefore(e.getValue())) {
                ctx.writer().updateNode(e.getKey(), n -> n.getStatus().getNodeInfo().setOsImage(ctx.spec().osImageAfter()));
                ctx.record().step(e.getKey(), UpgradeStep.REBOOTED, view.now());
                rebootEnds.remove(e.getKey());
            }
        }
    }

    /** The node handler (node_controller.go). */
    private void onNodes(HarvesterView view) {
        for (Node n : view.nodes().values()) {
            String node = n.getMetadata().getName();
            String expected = n.getMetadata().getAnnotations() == null ? null
                    : n.getMetadata().getAnnotations().get(HarvesterNames.PENDING_OS_IMAGE_ANNOTATION);
            if (expected == null || view.nodeState(node) != NodeUpgradeState.WAITING_REBOOT
                    || n.getStatus().getNodeInfo() == null || !expected.equals(n.getStatus().getNodeInfo().getOsImage())) {
                continue;
            }
            ctx.writer().updateUpgrade(u -> UpgradeCr.setNodeState(u, node, NodeUpgradeState.SUCCEEDED, null, null));
            copyHookValue(view, node, HarvesterNames.RANCHER_POST_DRAIN, HarvesterNames.POST_HOOK);
            ctx.writer().updateNode(node, x -> x.getMetadata().getAnnotations().remove(HarvesterNames.PENDING_OS_IMAGE_ANNOTATION));
            ctx.record().step(node, UpgradeStep.SUCCEEDED, view.now());
        }
    }

    /** Releases Harvester's hook: the hook annotation gets the value Rancher wrote (read fresh). */
    private void copyHookValue(HarvesterView view, String node, String rancherKey, String hookKey) {
        view.planSecretOfNode(node).ifPresent(secret -> ctx.writer().updatePlanSecret(secret.getMetadata().getName(),
                s -> {
                    String value = s.getMetadata().getAnnotations().get(rancherKey);
                    if (value != null) {
                        s.getMetadata().getAnnotations().put(hookKey, value);
                    }
                }));
    }
}
