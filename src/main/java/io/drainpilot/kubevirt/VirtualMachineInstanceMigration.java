package io.drainpilot.kubevirt;

import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

import java.util.List;
import java.util.Map;

/** A live migration request: {@code kubevirt.io/v1 VirtualMachineInstanceMigration}. Deleting it cancels it. */
@Group(KubeVirtNames.GROUP)
@Version(KubeVirtNames.VERSION)
@Kind("VirtualMachineInstanceMigration")
@Plural("virtualmachineinstancemigrations")
@Singular("virtualmachineinstancemigration")
@ShortNames("vmim")
public class VirtualMachineInstanceMigration
        extends CustomResource<VirtualMachineInstanceMigration.Spec, VirtualMachineInstanceMigration.Status>
        implements Namespaced {

    public String vmiName() {
        return getSpec() == null ? null : getSpec().vmiName;
    }

    public MigrationPhase phase() {
        return MigrationPhase.of(getStatus() == null ? null : getStatus().phase);
    }

    public static class Spec extends Extensible {
        public String vmiName;
        /** KubeVirt 1.6+: merged into the target pod's nodeSelector; pruned by older API servers. */
        public Map<String, String> addedNodeSelector;
    }

    public static class Status extends Extensible {
        public String phase;
        public List<PhaseTransition> phaseTransitionTimestamps;
        public MigrationStateRef migrationState;
    }

    public static class PhaseTransition extends Extensible {
        public String phase;
        public String phaseTransitionTimestamp;
    }

    /** KubeVirt 1.3+ mirrors the VMI's migration state here; we keep only what we read. */
    public static class MigrationStateRef extends Extensible {
        public String sourceNode;
        public String targetNode;
        public String failureReason;
    }
}
