package io.drainpilot.plan;

import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.kubevirt.VirtualMachineInstanceMigration;
import io.drainpilot.names.Bookkeeping;
import io.drainpilot.names.Names;
import io.drainpilot.work.DrainMarks;
import io.drainpilot.work.VmState;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The first look at one VMI of a draining node, before any target is planned: leave it alone, follow a migration
 * already under way (ours or someone else's: never a second one), settle one that ended, wait out a backoff, keep
 * a fallback already applied, or plan it. A pure function of what the caches hold.
 */
public final class Triage {

    /**
     * @param vmi        the VMI
     * @param vmSkipped  its VirtualMachine carries {@code drainpilot.io/skip: "true"}
     * @param migrations every migration the cluster has for this VMI
     * @param node       the draining node
     * @param drainId    the node's current drain
     * @param fallback   the VM's fallback policy
     * @param now        the time of the evaluation
     */
    public record Facts(VirtualMachineInstance vmi, boolean vmSkipped, List<VirtualMachineInstanceMigration> migrations,
            String node, String drainId, String fallback, Instant now) {
    }

    /** Where the VM stands and why, in words. */
    public record Result(VmState state, String note) {
    }

    private Triage() {
    }

    public static Result of(Facts f) {
        VirtualMachineInstance vmi = f.vmi();
        if ("true".equals(vmi.label(Names.SKIP))) {
            return new Result(VmState.SKIPPED, "labelled " + Names.SKIP);
        }
        if (vmi.nodeName().isEmpty()) {
            return new Result(VmState.SKIPPED, "no status.nodeName");
        }
        if (f.vmSkipped()) {
            return new Result(VmState.SKIPPED, "VM labelled " + Names.SKIP);
        }
        for (VirtualMachineInstanceMigration m : f.migrations()) {
            if (!m.phase().isFinal()) {
                boolean ours = isOurs(m);
                return new Result(ours ? VmState.MIGRATING : VmState.ADOPTED,
                        (ours ? "" : "adopted ") + "migration " + m.getMetadata().getName());
            }
        }
        for (VirtualMachineInstanceMigration m : f.migrations()) {
            if (isOurs(m) && f.drainId().equals(labels(m).get(Bookkeeping.MIGRATION_DRAIN))
                    && f.node().equals(Names.sourceNodeOf(labels(m), m.getMetadata().getAnnotations()))) {
                return new Result(VmState.SETTLING, "migration " + m.getMetadata().getName() + " " + m.phase().wire());
            }
        }
        DrainMarks marks = DrainMarks.of(vmi, DrainMarks.drainKey(f.node(), f.drainId()));
        if (vmi.getMetadata().getDeletionTimestamp() != null) {
            // shutting down: nothing can move it any more; ours (shutdown-restart) or someone else's stop
            return marks.settled() != null ? new Result(VmState.SETTLED, "fallback " + marks.settled() + " applied")
                    : new Result(VmState.STOPPING, "shutting down (deleted at " + vmi.getMetadata().getDeletionTimestamp() + ")");
        }
        // a held VM whose owner has since chosen another fallback is decided again
        if (marks.settled() != null && !("block".equals(marks.settled()) && !"block".equals(f.fallback()))) {
            return new Result(VmState.SETTLED, "fallback " + marks.settled() + " applied");
        }
        if (marks.waiting(f.now())) {
            return new Result(VmState.WAITING, "retry after " + marks.retryAfter());
        }
        return new Result(VmState.PLANNED, null);
    }

    public static boolean isOurs(VirtualMachineInstanceMigration m) {
        return Names.MANAGED_BY_VALUE.equals(labels(m).get(Names.MANAGED_BY));
    }

    private static Map<String, String> labels(VirtualMachineInstanceMigration m) {
        return m.getMetadata().getLabels() == null ? Map.of() : m.getMetadata().getLabels();
    }
}
