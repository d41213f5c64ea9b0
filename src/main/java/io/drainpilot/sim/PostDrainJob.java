package io.drainpilot.sim;

import io.drainpilot.kubevirt.KubeVirtNames;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Harvester's post-drain job ({@code upgrade_node.sh post-drain}), step by step:
 * <ol>
 *   <li>the pod starts: {@link HarvesterTimings#jobStart()};</li>
 *   <li>{@code wait_repo}: until the upgrade-repo VM's VMI is Running, {@code virtctl start} it every 10 s (this is
 *   what starts the repo VM the pre-drain job stopped; the node is still cordoned and tainted, so it starts
 *   elsewhere); fetching the release file from the repo is taken as instant. With no repo VM it goes on;</li>
 *   <li>kubelet and RKE2 settings and {@code wait_rke2_upgrade}: left out (Rancher applied the plan before
 *   post-drain);</li>
 *   <li>{@code kubectl taint node <node> kubevirt.io/drain-};</li>
 *   <li>{@code upgrade_os}: {@link HarvesterTimings#osUpgrade()} when the OS image changes, nothing otherwise; the
 *   reboot that follows comes after the job has ended (see {@link HarvesterUpgradeController}).</li>
 * </ol>
 */
final class PostDrainJob extends NodeJob {
    private static final Logger LOG = LoggerFactory.getLogger(PostDrainJob.class);

    private enum Step { START, WAIT_REPO, UNTAINT, UPGRADE_OS }

    private Step step = Step.START;
    private Instant nextRepoStart;
    private Instant osUpgradedAt;

    PostDrainJob(String node, Instant createdAt) {
        super(HarvesterNames.JOB_POST_DRAIN, node, createdAt);
    }

    @Override
    void step(HarvesterView view, HarvesterContext ctx) {
        switch (step) {
            case START -> {
                if (started(view, ctx)) {
                    step = Step.WAIT_REPO;
                    nextRepoStart = view.now();
                    step(view, ctx);
                }
            }
            case WAIT_REPO -> {
                String repo = HarvesterNames.repoVmName(ctx.spec().upgradeName());
                if (!view.vms().containsKey(ClusterView.key(Scenario.HARVESTER_NAMESPACE, repo))) {
                    step = Step.UNTAINT;
                    step(view, ctx);
                    return;
                }
                VirtualMachineInstance vmi = view.vmis().get(ClusterView.key(Scenario.HARVESTER_NAMESPACE, repo));
                if (vmi != null && "Running".equals(vmi.phase())) {
                    step = Step.UNTAINT;
                    step(view, ctx);
                    return;
                }
                if (!view.now().isBefore(nextRepoStart)) {
                    int code = ctx.writer().vmSubresource(Scenario.HARVESTER_NAMESPACE, repo, "start");
                    if (code == 202) {
                        ctx.record().restarted(new HarvesterRecord.RestartedVm(Scenario.HARVESTER_NAMESPACE, repo,
                                node, HarvesterRecord.Starter.POST_DRAIN_JOB, view.now()));
                        LOG.info("post-drain job of {}: started the upgrade repo VM", node);
                    }
                    nextRepoStart = view.now().plus(ctx.scaled(ctx.timings().repoPoll()));
                }
            }
            case UNTAINT -> {
                ctx.writer().updateNode(node, n -> {
                    if (n.getSpec().getTaints() != null) {
                        List<io.fabric8.kubernetes.api.model.Taint> taints = new ArrayList<>(n.getSpec().getTaints());
                        taints.removeIf(t -> KubeVirtNames.TAINT_DRAIN.equals(t.getKey()));
                        n.getSpec().setTaints(taints);
                    }
                });
                ctx.record().step(node, UpgradeStep.DRAIN_TAINT_REMOVED, view.now());
                osUpgradedAt = view.now().plus(ctx.spec().osImageChanges() ? ctx.scaled(ctx.timings().osUpgrade())
                        : java.time.Duration.ZERO);
                step = Step.UPGRADE_OS;
                step(view, ctx);
            }
            case UPGRADE_OS -> {
                if (!view.now().isBefore(osUpgradedAt)) {
                    complete(ctx);
                }
            }
            default -> throw new IllegalStateException("unexpected step " + step);
        }
    }
}
