package io.drainpilot.kubevirt;

import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/** The cluster's KubeVirt installation; we read its version and migration limits. */
@Group(KubeVirtNames.GROUP)
@Version(KubeVirtNames.VERSION)
@Kind("KubeVirt")
@Plural("kubevirts")
@Singular("kubevirt")
public class KubeVirt extends CustomResource<KubeVirt.Spec, KubeVirt.Status> implements Namespaced {

    public static class Spec extends Extensible {
        public Configuration configuration;
    }

    public static class Configuration extends Extensible {
        public Migrations migrations;
    }

    /** {@code spec.configuration.migrations}; null fields mean KubeVirt's defaults. */
    public static class Migrations extends Extensible {
        public Integer parallelMigrationsPerCluster;
        public Integer parallelOutboundMigrationsPerNode;
        public String bandwidthPerMigration;
        public Long progressTimeout;
        public Long completionTimeoutPerGiB;
        public Boolean allowAutoConverge;
        public Boolean allowPostCopy;
    }

    public static class Status extends Extensible {
        public String observedKubeVirtVersion;
        public String phase;
    }
}
