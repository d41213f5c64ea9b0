package io.drainpilot.sim;

import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.fabric8.kubernetes.api.model.Secret;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Rancher's rolling upgrade of the local RKE2 cluster (the planner and the machine-drain controller) over the
 * machine-plan Secrets, started when Harvester changes the provisioning cluster's {@code kubernetesVersion}.
 *
 * <p>Order: tier by tier (the etcd init node, the other etcd nodes, control-plane nodes, then worker-only nodes;
 * Harvester sets both concurrencies to 1), by machine name within a tier; one node at a time. Per node:
 * {@code rke.cattle.io/drain-options} = the pool's drain options (etcd and control-plane nodes use
 * {@code controlPlaneDrainOptions}, workers {@code workerDrainOptions}); cordon; {@code rke.cattle.io/pre-drain} =
 * the same string; wait until every pre-drain hook annotation of that string equals it; drain (when enabled);
 * {@code rke.cattle.io/drain-done}; apply the new plan (RKE2 upgrade); {@code rke.cattle.io/uncordon};
 * {@code rke.cattle.io/post-drain}; wait for every post-drain hook; uncordon; delete the pre-drain, post-drain,
 * drain-options, drain-done and uncordon annotations and every hook annotation.
 *
 * <p>While a node waits for its pre-drain hooks, the planner keeps comparing the drain options with the provisioning
 * cluster's: a hook registered meanwhile changes the string, and Rancher writes the new one (a hook that already
 * answered with the old string must answer again).
 *
 * <p>Simplifications: the drain is KubeVirt's side of {@code kubectl drain} only (no pods): a VMI still on the node
 * whose eviction KubeVirt turns into an evacuation ({@code LiveMigrate}, {@code LiveMigrateIfPossible} when
 * migratable, {@code External}) is marked with {@code status.evacuationNodeName}, one that KubeVirt lets go
 * ({@code None}, or {@code LiveMigrateIfPossible} and not migratable) is deleted, a {@code LiveMigrate} VMI that
 * cannot migrate blocks the drain; after the drain timeout Rancher writes {@code rke.cattle.io/drain-error} and tries
 * again. Applying the RKE2 plan is a delay ({@link HarvesterTimings#kubernetesUpgrade()}) that ends with the node's
 * new kubelet version; rancher-system-agent, probes and the plan's own content are not simulated. A plan Secret with
 * no role labels is upgraded with the workers.
 */
final class RancherUpgradeFlow {
    static final String KUBERNETES_BEFORE = "v1.31.9+rke2r1";
    static final String KUBERNETES_AFTER = "v1.32.7+rke2r1";

    private static final Logger LOG = LoggerFactory.getLogger(RancherUpgradeFlow.class);

    private enum Phase {
        SET_DRAIN_OPTIONS, CORDON, PRE_DRAIN, WAIT_PRE_HOOKS, DRAIN, DRAIN_DONE, UPGRADE_KUBERNETES,
        REQUEST_UNCORDON, POST_DRAIN, WAIT_POST_HOOKS, UNCORDON, CLEAN_UP
    }

    private record Machine(String name, String node, String secret, int tier) {
    }

    private final HarvesterContext ctx;
    private final ClusterWriter vmiWriter;
    private String seenKubernetesVersion;
    private List<Machine> order;
    private int index;
    private Phase phase;
    private String drainValue;
    private DrainOptions options;
    private Instant phaseSince;
    private volatile boolean started;
    private volatile boolean finished;

    RancherUpgradeFlow(HarvesterContext ctx) {
        this.ctx = ctx;
        this.vmiWriter = new ClusterWriter(ctx.client());
    }

    /** True once every node has been upgraded and uncordoned, and its annotations are gone. */
    boolean finished() {
        return finished;
    }

    boolean started() {
        return started;
    }

    void reconcile(HarvesterView view) {
        String version = String.valueOf(HarvesterView.path(view.provisioningCluster() == null ? null
                : view.provisioningCluster().getAdditionalProperties().get("spec"), "kubernetesVersion"));
        if (seenKubernetesVersion == null) {
            seenKubernetesVersion = version;
        }
        if (!started && !version.equals(seenKubernetesVersion)) {
            begin(view);
        }
        if (!started || finished) {
            return;
        }
        // Rancher's controllers react within milliseconds: take every step that needs no one else in this tick
        for (int i = 0; i < 20 && !finished && advance(view); i++) {
            // keep going
        }
    }

    private void begin(HarvesterView view) {
        List<Machine> machines = new ArrayList<>();
        view.planSecretsByMachine().forEach((machine, secret) -> view.nodeOfMachine(machine).ifPresent(node ->
                machines.add(new Machine(machine, node, secret.getMetadata().getName(), tier(secret)))));
        machines.sort(Comparator.comparingInt(Machine::tier).thenComparing(Machine::name));
        order = List.copyOf(machines);
        ctx.record().rancherOrder(order.stream().map(Machine::node).toList());
        LOG.info("Rancher upgrades the nodes in this order: {}", order.stream().map(Machine::node).toList());
        index = 0;
        phase = Phase.SET_DRAIN_OPTIONS;
        phaseSince = view.now();
        started = true;
        if (order.isEmpty()) {
            finished = true;
        }
    }

    /** 0 etcd init node, 1 other etcd, 2 control plane, 3 worker only (or no roles). */
    private static int tier(Secret secret) {
        Map<String, String> l = secret.getMetadata().getLabels();
        boolean etcd = "true".equals(l.get(HarvesterNames.RANCHER_ETCD_ROLE));
        if (etcd && "true".equals(l.get(HarvesterNames.RANCHER_INIT_NODE))) {
            return 0;
        }
        if (etcd) {
            return 1;
        }
        return "true".equals(l.get(HarvesterNames.RANCHER_CONTROL_PLANE_ROLE)) ? 2 : 3;
    }

    /** One step for the current node; true when the next step may follow at once. */
    private boolean advance(HarvesterView view) {
        Machine m = order.get(index);
        Instant now = view.now();
        switch (phase) {
            case SET_DRAIN_OPTIONS -> {
                options = currentOptions(view, m);
                drainValue = options.json(order.size() == 1);
                annotate(m, HarvesterNames.RANCHER_DRAIN_OPTIONS, drainValue);
                step(m, UpgradeStep.DRAIN_OPTIONS_SET, now);
                return next(Phase.CORDON, now);
            }
            case CORDON -> {
                ctx.writer().updateNode(m.node(), n -> n.getSpec().setUnschedulable(true));
                step(m, UpgradeStep.CORDONED, now);
                return next(options.preDrainHooks().isEmpty() ? Phase.DRAIN : Phase.PRE_DRAIN, now);
            }
            case PRE_DRAIN -> {
                annotate(m, HarvesterNames.RANCHER_PRE_DRAIN, drainValue);
                step(m, UpgradeStep.PRE_DRAIN_REQUESTED, now);
                next(Phase.WAIT_PRE_HOOKS, now);
                return false;
            }
            case WAIT_PRE_HOOKS -> {
                DrainOptions latest = currentOptions(view, m);
                String latestValue = latest.json(order.size() == 1);
                if (!latestValue.equals(drainValue)) {
                    LOG.info("Rancher: drain options of {} changed while waiting for its hooks", m.node());
                    options = latest;
                    drainValue = latestValue;
                    annotate(m, HarvesterNames.RANCHER_DRAIN_OPTIONS, drainValue);
                    annotate(m, HarvesterNames.RANCHER_PRE_DRAIN, drainValue);
                    return false;
                }
                if (!hooksAnswered(view, m, options.preDrainHooks())) {
                    return false;
                }
                step(m, UpgradeStep.PRE_DRAIN_HOOKS_DONE, now);
                return next(Phase.DRAIN, now);
            }
            case DRAIN -> {
                if (!options.enabled() || order.size() == 1 || evict(view, m) == 0) {
                    return next(Phase.DRAIN_DONE, now);
                }
                if (!now.isBefore(phaseSince.plus(ctx.scaled(drainTimeoutSeconds())))) {
                    ctx.writer().updatePlanSecret(m.secret(), s -> s.getMetadata().getAnnotations().put(
                            HarvesterNames.RANCHER_DRAIN_ERROR, "[error when waiting for pod evictions to complete:"
                                    + " global timeout reached: " + (int) drainTimeoutSeconds() + "s]"));
                    phaseSince = now;
                }
                return false;
            }
            case DRAIN_DONE -> {
                ctx.writer().updatePlanSecret(m.secret(), s -> {
                    s.getMetadata().getAnnotations().put(HarvesterNames.RANCHER_DRAIN_DONE, drainValue);
                    s.getMetadata().getAnnotations().remove(HarvesterNames.RANCHER_DRAIN_ERROR);
                });
                step(m, UpgradeStep.DRAINED, now);
                next(Phase.UPGRADE_KUBERNETES, now);
                return false;
            }
            case UPGRADE_KUBERNETES -> {
                if (now.isBefore(phaseSince.plus(ctx.scaled(ctx.timings().kubernetesUpgrade())))) {
                    return false;
                }
                ctx.writer().updateNode(m.node(), n -> n.getStatus().getNodeInfo().setKubeletVersion(KUBERNETES_AFTER));
                step(m, UpgradeStep.KUBERNETES_UPGRADED, now);
                return next(Phase.REQUEST_UNCORDON, now);
            }
            case REQUEST_UNCORDON -> {
                annotate(m, HarvesterNames.RANCHER_UNCORDON, drainValue);
                return next(options.postDrainHooks().isEmpty() ? Phase.UNCORDON : Phase.POST_DRAIN, now);
            }
            case POST_DRAIN -> {
                annotate(m, HarvesterNames.RANCHER_POST_DRAIN, drainValue);
                step(m, UpgradeStep.POST_DRAIN_REQUESTED, now);
                next(Phase.WAIT_POST_HOOKS, now);
                return false;
            }
            case WAIT_POST_HOOKS -> {
                if (!hooksAnswered(view, m, options.postDrainHooks())) {
                    return false;
                }
                step(m, UpgradeStep.POST_DRAIN_HOOKS_DONE, now);
                return next(Phase.UNCORDON, now);
            }
            case UNCORDON -> {
                ctx.writer().updateNode(m.node(), n -> n.getSpec().setUnschedulable(null));
                step(m, UpgradeStep.UNCORDONED, now);
                return next(Phase.CLEAN_UP, now);
            }
            case CLEAN_UP -> {
                ctx.writer().updatePlanSecret(m.secret(), s -> {
                    Map<String, String> a = s.getMetadata().getAnnotations();
                    List.of(HarvesterNames.RANCHER_PRE_DRAIN, HarvesterNames.RANCHER_POST_DRAIN,
                            HarvesterNames.RANCHER_DRAIN_OPTIONS, HarvesterNames.RANCHER_DRAIN_DONE,
                            HarvesterNames.RANCHER_UNCORDON).forEach(a::remove);
                    options.preDrainHooks().forEach(a::remove);
                    options.postDrainHooks().forEach(a::remove);
                });
                step(m, UpgradeStep.HOOK_ANNOTATIONS_REMOVED, now);
                LOG.info("Rancher: {} upgraded and uncordoned", m.node());
                index++;
                if (index == order.size()) {
                    finished = true;
                    return false;
                }
                return next(Phase.SET_DRAIN_OPTIONS, now);
            }
            default -> throw new IllegalStateException("unexpected phase " + phase);
        }
    }

    private boolean next(Phase p, Instant now) {
        phase = p;
        phaseSince = now;
        return true;
    }

    private DrainOptions currentOptions(HarvesterView view, Machine m) {
        String pool = m.tier() <= 2 ? "controlPlaneDrainOptions" : "workerDrainOptions";
        return DrainOptions.of(HarvesterView.asMap(view.upgradeStrategy().get(pool)));
    }

    /** Every hook annotation holds exactly the drain string (read from this tick's view). */
    private boolean hooksAnswered(HarvesterView view, Machine m, List<String> hooks) {
        Secret secret = view.planSecretsByMachine().get(m.name());
        Map<String, String> a = secret == null || secret.getMetadata().getAnnotations() == null ? Map.of()
                : secret.getMetadata().getAnnotations();
        return hooks.stream().allMatch(h -> Objects.equals(drainValue, a.get(h)));
    }

    /**
     * One pass of KubeVirt's side of the drain: what is still on the node is evicted. Returns how many VMIs are
     * still there (marked ones leave when KubeVirt has migrated them).
     */
    private int evict(HarvesterView view, Machine m) {
        int left = 0;
        for (VirtualMachineInstance vmi : view.vmis().values()) {
            if (!m.node().equals(vmi.nodeName().orElse(null)) || "Succeeded".equals(vmi.phase())
                    || "Failed".equals(vmi.phase())) {
                continue;
            }
            String strategy = vmi.getSpec() == null ? null : vmi.getSpec().evictionStrategy;
            boolean migratable = EvacuationController.liveMigratable(vmi);
            boolean evacuate = "External".equals(strategy) || ("LiveMigrate".equals(strategy) && migratable)
                    || ("LiveMigrateIfPossible".equals(strategy) && migratable);
            boolean blocked = "LiveMigrate".equals(strategy) && !migratable;
            if (evacuate) {
                String marked = vmi.getStatus() == null ? null : vmi.getStatus().evacuationNodeName;
                if (!m.node().equals(marked)) {
                    vmiWriter.updateVmi(vmi.getMetadata().getNamespace(), vmi.getMetadata().getName(),
                            v -> v.getStatus().evacuationNodeName = m.node());
                }
                left++;
            } else if (blocked) {
                left++;
            } else {
                ctx.client().resource(vmi).delete();
                ctx.record().stopped(new HarvesterRecord.StoppedVm(vmi.getMetadata().getNamespace(),
                        vmi.getMetadata().getName(), m.node(), StopReason.EVICTED_BY_DRAIN, view.now()));
                LOG.info("Rancher drain of {}: evicted {} (eviction strategy {})", m.node(), ClusterView.key(vmi), strategy);
            }
        }
        return left;
    }

    private double drainTimeoutSeconds() {
        return options.timeout() > 0 ? options.timeout() : ctx.timings().drainTimeout();
    }

    private void annotate(Machine m, String key, String value) {
        ctx.writer().updatePlanSecret(m.secret(), s -> s.getMetadata().getAnnotations().put(key, value));
    }

    private void step(Machine m, UpgradeStep step, Instant now) {
        ctx.record().step(m.node(), step, now);
    }
}
