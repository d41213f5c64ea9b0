package io.drainpilot.sim;

import io.drainpilot.kubevirt.MigrationPhase;

import java.time.Duration;
import java.time.Instant;

/** The migration controller's memory of one VMIM: where it is, since when, and where it goes. */
final class MigrationRun {
    final String namespace;
    final String name;
    final String uid;
    final String vmiName;
    /** Created by the evacuation controller (or the workload updater): KubeVirt backs these off after failures. */
    final boolean backoffEligible;
    final Instant seenAt = Instant.now();
    MigrationPhase phase;
    Instant phaseSince = seenAt;
    Instant schedulingSince;
    /** When this controller saw it fail (or be deleted), for the evacuation backoff. */
    Instant failedAt;
    String source;
    String target;
    /** The VMI's virt-launcher pod on the source, and the pod created for it on the target. */
    String sourcePod;
    String targetPod;
    long memoryBytes;
    /** From Running on: the data the migration moves (see {@link MigrationTransfer}). */
    MigrationTransfer transfer;
    Instant transferredUntil;
    /** The MigrationPolicy KubeVirt applied, or null. */
    String policyName;
    MigrationTransfer.Options options;

    MigrationRun(String namespace, String name, String uid, String vmiName, MigrationPhase phase,
                 boolean backoffEligible) {
        this.namespace = namespace;
        this.name = name;
        this.uid = uid;
        this.vmiName = vmiName;
        this.phase = phase;
        this.backoffEligible = backoffEligible;
    }

    String vmiKey() {
        return ClusterView.key(namespace, vmiName);
    }

    /** From Scheduling until final: the span KubeVirt's parallel-migration limits count. */
    boolean countsAsInFlight() {
        return phase.ordinal() >= MigrationPhase.SCHEDULING.ordinal() && !phase.isFinal();
    }

    boolean hasTarget() {
        return target != null && !phase.isFinal();
    }

    Duration inPhase(Instant now) {
        return Duration.between(phaseSince, now);
    }
}
