package io.drainpilot.kubevirt;

import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

import java.util.Map;

/**
 * KubeVirt's cluster-scoped MigrationPolicy: migration settings for the VMIs (and namespaces) whose labels it
 * selects. The selectors are plain label maps (every key must match), not Kubernetes label selectors.
 */
@Group(MigrationPolicy.GROUP)
@Version(MigrationPolicy.VERSION)
@Kind("MigrationPolicy")
@Plural("migrationpolicies")
@Singular("migrationpolicy")
public class MigrationPolicy extends CustomResource<MigrationPolicy.Spec, Void> {
    public static final String GROUP = "migrations.kubevirt.io";
    public static final String VERSION = "v1alpha1";

    public static class Spec extends Extensible {
        public Selectors selectors;
        public Boolean allowAutoConverge;
        public Boolean allowPostCopy;
        public Boolean allowWorkloadDisruption;
        /** A quantity per second, such as {@code 64Mi}. */
        public String bandwidthPerMigration;
        public Long completionTimeoutPerGiB;
    }

    public static class Selectors extends Extensible {
        public Map<String, String> virtualMachineInstanceSelector;
        public Map<String, String> namespaceSelector;
    }
}
