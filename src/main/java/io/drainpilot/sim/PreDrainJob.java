package io.drainpilot.sim;

import io.drainpilot.kubevirt.KubeVirtNames;
import io.drainpilot.kubevirt.MigrationPhase;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.kubevirt.VirtualMachineInstanceMigration;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Harvester's pre-drain job ({@code upgrade_node.sh pre-drain}), step by step:
 * <ol>
 *   <li>the pod starts, restarts rancher-system-agent and waits for healthy Longhorn volumes: reduced to
 *   {@link HarvesterTimings#jobStart()};</li>
 *   <li>{@code vm-live-migrate-detector <node> --shutdown} (v1.6+ with {@code --upgrade}): lists the VMIs on the node
 *   at that moment, records the ones to restore in the {@code <upgrade>-restore-vm} ConfigMap (v1.6+; without the
 *   repo VM), and stops each through the VM's {@code stop} subresource; a VMI that was migrating goes away and its
 *   migration fails;</li>
 *   <li>{@code kubectl taint node <node> kubevirt.io/drain=draining:NoSchedule --overwrite}: KubeVirt's evacuation
 *   controller migrates the rest;</li>
 *   <li>every 5 s until no VMI labelled with the node is left (phase Succeeded does not count); v1.7 also looks at
 *   the {@code kubevirt-evacuation-*} migrations of the VMIs still running there and stops a VM whose migration is
 *   Failed with a FailedMigration warning event;</li>
 *   <li>waiting for KubeVirt's evacuation PodDisruptionBudgets to go: left out (the simulation has no pods); the
 *   canal config and chart clean-ups are left out too.</li>
 * </ol>
 */
final class PreDrainJob extends NodeJob {
    private static final Logger LOG = LoggerFactory.getLogger(PreDrainJob.class);

    private enum Step { START, DETECT, TAINT, WAIT_VMS_OUT }

    private Step step = Step.START;
    private Instant nextPoll;

    PreDrainJob(String node, Instant createdAt) {
        super(HarvesterNames.JOB_PRE_DRAIN, node, createdAt);
    }

    @Override
    void step(HarvesterView view, HarvesterContext ctx) {
        switch (step) {
            case START -> {
                if (started(view, ctx)) {
                    step = Step.DETECT;
                    step(view, ctx);
                }
            }
            case DETECT -> {
                detectAndStop(view, ctx);
                step = Step.TAINT;
                step(view, ctx);
            }
            case TAINT -> {
                taint(ctx);
                ctx.record().step(node, UpgradeStep.DRAIN_TAINTED, view.now());
                step = Step.WAIT_VMS_OUT;
                nextPoll = view.now();
            }
            case WAIT_VMS_OUT -> {
                if (view.now().isBefore(nextPoll)) {
                    return;
                }
                long left = view.vmisLabelledOn(node).stream().filter(v -> !"Succeeded".equals(v.phase())).count();
                if (left == 0) {
                    ctx.record().step(node, UpgradeStep.NODE_EMPTY, view.now());
                    LOG.info("pre-drain job of {}: all VMs live-migrated or shut down", node);
                    complete(ctx);
                    return;
                }
                if (ctx.version().stopsVmsWithFailedEvacuation()) {
                    stopVmsWithFailedEvacuation(view, ctx);
                }
                nextPoll = view.now().plus(ctx.scaled(ctx.timings().jobPoll()));
            }
            default -> throw new IllegalStateException("unexpected step " + step);
        }
    }

    private void detectAndStop(HarvesterView view, HarvesterContext ctx) {
        List<VirtualMachineInstance> listed = LiveMigrateDetector.listed(ctx.version(), view.vmis().values(), node);
        List<LiveMigrateDetector.Finding> findings = LiveMigrateDetector.nonLiveMigratable(ctx.version(), listed,
                view.nodes().values());
        ctx.record().step(node, UpgradeStep.DETECTOR_RAN, view.now());
        LOG.info("pre-drain job of {}: non-migratable VM(s): {}", node, findings);
        if (ctx.version().recordsVmsToRestore()) {
            // the detector leaves out the repo VM (and paused VMs, which the simulation has none of)
            List<String> restore = new ArrayList<>();
            for (LiveMigrateDetector.Finding f : findings) {
                VirtualMachineInstance vmi = view.vmis().get(f.key());
                if (vmi == null || vmi.label(HarvesterNames.UPGRADE_LABEL) == null) {
                    restore.add(f.key());
                }
            }
            ctx.writer().storeVmsToRestore(node, restore);
        }
        for (LiveMigrateDetector.Finding f : findings) {
            stop(ctx, f.namespace(), f.name(), f.reason(), view.now());
        }
    }

    private void taint(HarvesterContext ctx) {
        ctx.writer().updateNode(node, n -> {
            List<Taint> taints = new ArrayList<>(n.getSpec().getTaints() == null ? List.of() : n.getSpec().getTaints());
            taints.removeIf(t -> KubeVirtNames.TAINT_DRAIN.equals(t.getKey()) && "NoSchedule".equals(t.getEffect()));
            taints.add(new TaintBuilder().withKey(KubeVirtNames.TAINT_DRAIN).withValue("draining")
                    .withEffect("NoSchedule").build());
            n.getSpec().setTaints(taints);
        });
    }

    /** v1.7's check_migrations_phase "Failed": only evacuation migrations, and only with a FailedMigration warning. */
    private void stopVmsWithFailedEvacuation(HarvesterView view, HarvesterContext ctx) {
        List<VirtualMachineInstance> running = view.vmisLabelledOn(node).stream()
                .filter(v -> "Running".equals(v.phase())).toList();
        List<Event> events = null;
        for (VirtualMachineInstance vmi : running) {
            String ns = vmi.getMetadata().getNamespace();
            for (VirtualMachineInstanceMigration m : view.migrations()) {
                if (!ns.equals(m.getMetadata().getNamespace()) || !vmi.getMetadata().getName().equals(m.vmiName())
                        || m.phase() != MigrationPhase.FAILED
                        || !m.getMetadata().getName().startsWith("kubevirt-evacuation")) {
                    continue;
                }
                if (events == null) {
                    events = ctx.client().v1().events().inAnyNamespace().list().getItems();
                }
                String migration = m.getMetadata().getName();
                boolean failedWarning = events.stream().anyMatch(e -> "Warning".equals(e.getType())
                        && "FailedMigration".equals(e.getReason()) && e.getInvolvedObject() != null
                        && "VirtualMachineInstanceMigration".equals(e.getInvolvedObject().getKind())
                        && migration.equals(e.getInvolvedObject().getName())
                        && ns.equals(e.getInvolvedObject().getNamespace()));
                if (failedWarning) {
                    stop(ctx, ns, vmi.getMetadata().getName(), StopReason.FAILED_EVACUATION, view.now());
                }
            }
        }
    }

    private void stop(HarvesterContext ctx, String namespace, String name, StopReason reason, Instant now) {
        int code = ctx.writer().vmSubresource(namespace, name, "stop");
        if (code == 202) {
            ctx.record().stopped(new HarvesterRecord.StoppedVm(namespace, name, node, reason, now));
            LOG.info("pre-drain job of {}: VM {}/{} administratively stopped ({})", node, namespace, name, reason.text());
        } else {
            // a VM already stopped answers 409; the scripts go on either way
            LOG.info("pre-drain job of {}: stopping VM {}/{} answered {}", node, namespace, name, code);
        }
    }
}
