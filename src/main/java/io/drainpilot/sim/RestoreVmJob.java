package io.drainpilot.sim;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;

/**
 * Harvester's restore-vm job ({@code upgrade-helper restore-vm --node <node>}): starts, through the VM's
 * {@code start} subresource, every VM the detector recorded for the node in the {@code <upgrade>-restore-vm}
 * ConfigMap. Its wait for KubeVirt's health endpoint is left out; the pod start is {@link HarvesterTimings#jobStart()}.
 */
final class RestoreVmJob extends NodeJob {
    private static final Logger LOG = LoggerFactory.getLogger(RestoreVmJob.class);

    RestoreVmJob(String node, Instant createdAt) {
        super(HarvesterNames.JOB_RESTORE_VM, node, createdAt);
    }

    @Override
    void step(HarvesterView view, HarvesterContext ctx) {
        if (isComplete() || !started(view, ctx)) {
            return;
        }
        for (String vm : ctx.writer().vmsToRestore(node)) {
            String[] parts = vm.split("/", 2);
            if (parts.length != 2) {
                continue;
            }
            int code = ctx.writer().vmSubresource(parts[0], parts[1], "start");
            if (code == 202) {
                ctx.record().restarted(new HarvesterRecord.RestartedVm(parts[0], parts[1], node,
                        HarvesterRecord.Starter.RESTORE_VM_JOB, view.now()));
            }
            LOG.info("restore-vm job of {}: starting {} answered {}", node, vm, code);
        }
        complete(ctx);
    }
}
