package io.drainpilot.migrate;

import io.drainpilot.names.Names;
import io.drainpilot.config.Settings;
import io.drainpilot.cpu.CpuCompatibility;
import io.drainpilot.cpu.CpuLabels;
import io.drainpilot.cpu.CpuMode;
import io.drainpilot.cpu.CpuRequirement;
import io.drainpilot.drain.ScanContext;
import io.drainpilot.drain.VmWork;
import io.drainpilot.kubevirt.ClusterApi;
import io.drainpilot.kubevirt.KubeVirtNames;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.kubevirt.VirtualMachineInstanceMigration;
import io.drainpilot.observe.DrainMetrics;
import io.drainpilot.plan.Decision;
import io.drainpilot.recover.MigrationProblem;
import io.drainpilot.recover.RecoveryCase;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The migrate stage: one VMIM for a planned VMI, within the concurrency caps, steered to the best compatible
 * target where KubeVirt allows it. What does not fit the budget now waits for the next scan.
 */
public class MigrationRequester {
    private static final Logger LOG = LoggerFactory.getLogger(MigrationRequester.class);

    private final ClusterApi api;
    private final Settings settings;

    private final DrainMetrics metrics;

    public MigrationRequester(ClusterApi api, Settings settings, DrainMetrics metrics) {
        this.api = api;
        this.settings = settings;
        this.metrics = metrics;
    }

    /** Creates the migration, or leaves the VM for the next scan; throws {@link MigrationProblem} for recovery. */
    public synchronized String request(VmWork work) {
        ScanContext ctx = work.context();
        if (!(work.decision() instanceof Decision.Migrate migrate)) {
            throw new IllegalArgumentException(work.describe() + " is not planned to migrate");
        }
        VirtualMachineInstance vmi = work.vmi();
        String ns = work.namespace();
        String source = work.node();
        if (ctx.inFlight().forVmi(ns, work.name()).isPresent()) {
            return "already migrating";
        }
        boolean steer = TargetSteering.enabled(settings.targetSteering, ctx.kubeVirt());
        if (!steer) {
            unsafeWithoutSteering(vmi, source, migrate, ctx).ifPresent(why -> {
                throw new MigrationProblem(new RecoveryCase(source, ns, work.name(), RecoveryCase.Reason.NoSafeTarget, why, null));
            });
        }
        // the order holds for the caps every VM of the node shares (outbound, cluster); an inbound cap is per target,
        // and an API error is one VM's, so a later VM with other targets, or whose reads work, may still go first
        if (ctx.waitsForSlot(source)) {
            return waitFor("a VM before it in the order waits for a slot", work);
        }
        MigrationLimits limits = MigrationLimits.of(settings, ctx.kubeVirt());
        // the plan is a few hundred milliseconds old: make sure the VMI has not moved since
        Optional<VirtualMachineInstance> fresh = api.vmi(ns, work.name());
        if (fresh.isEmpty() || !source.equals(fresh.get().nodeName().orElse(null))) {
            return "moved or gone since the plan";
        }
        // the scan's snapshot may predate a migration the other stage (or another scan) just started: the caps and
        // "never two for one VMI" are checked again on the cluster's current list, one request at a time
        InFlightMigrations inFlight = InFlightMigrations.of(api.migrations(null));
        if (inFlight.forVmi(ns, work.name()).isPresent()) {
            return "already migrating";
        }
        if (inFlight.total() >= limits.cluster()) {
            ctx.noSlotFor(source);
            return waitFor("cluster-wide cap " + limits.cluster(), work);
        }
        if (inFlight.outOf(source) >= limits.outboundPerNode()) {
            ctx.noSlotFor(source);
            return waitFor("outbound cap " + limits.outboundPerNode() + " for " + source, work);
        }
        String target = null;
        if (steer) {
            target = migrate.rankedTargets().stream().filter(t -> inFlight.into(t) < limits.inboundPerNode())
                    .findFirst().orElse(null);
            if (target == null) {
                return waitFor("inbound cap " + limits.inboundPerNode() + " on every compatible target", work);
            }
        }
        VirtualMachineInstanceMigration vmim = newMigration(ns, work.name(), source, target);
        int attempts = parseAttempts(fresh.get().annotation(Names.ATTEMPTS)) + 1;
        // count the attempt first: a crash after the create must not lose it
        api.annotateVmi(ns, work.name(), Map.of(Names.ATTEMPTS, String.valueOf(attempts)));
        VirtualMachineInstanceMigration created;
        try {
            created = api.createMigration(vmim);
        } catch (KubernetesClientException e) {
            String message = e.getStatus() == null || e.getStatus().getMessage() == null ? "" : e.getStatus().getMessage();
            if (message.contains("in-flight migration detected")) {
                // our own earlier create went through but its answer was lost: that one is running
                return "already migrating";
            }
            if (e.getCode() == 422 || e.getCode() == 400) {
                // KubeVirt's admission said no: the reason is the VM's, not the API's
                throw new MigrationProblem(new RecoveryCase(source, ns, work.name(), RecoveryCase.Reason.MigrationFailed,
                        "KubeVirt refused the migration: " + message, target));
            }
            throw e;
        }
        ctx.inFlight().add(created, source, target);
        metrics.migrationStarted(source);
        LOG.info("Node {}: migrating {}/{} ({}, attempt {}) {} as {}", source, ns, work.name(), migrate.cpuMode(), attempts,
                target == null ? "to a node KubeVirt chooses among " + migrate.rankedTargets() : "to " + target,
                created.getMetadata().getName());
        return created.getMetadata().getName();
    }

    private VirtualMachineInstanceMigration newMigration(String ns, String vmi, String source, String target) {
        VirtualMachineInstanceMigration m = new VirtualMachineInstanceMigration();
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(Names.MANAGED_BY, Names.MANAGED_BY_VALUE);
        labels.put(Names.SOURCE_NODE, source);
        m.setMetadata(new ObjectMetaBuilder().withNamespace(ns).withGenerateName(generateName(vmi)).withLabels(labels)
                .withAnnotations(Map.of(
                        KubeVirtNames.ANNOTATION_UNSCHEDULABLE_TIMEOUT, String.valueOf(settings.unschedulableTimeout.toSeconds()),
                        KubeVirtNames.ANNOTATION_PENDING_TIMEOUT, String.valueOf(settings.pendingTimeout.toSeconds())))
                .build());
        VirtualMachineInstanceMigration.Spec spec = new VirtualMachineInstanceMigration.Spec();
        spec.vmiName = vmi;
        if (target != null) {
            spec.addedNodeSelector = Map.of(TargetSteering.HOSTNAME_LABEL, target);
        }
        m.setSpec(spec);
        return m;
    }

    /** {@code drainpilot-<vmi>-}; Kubernetes names stop at 253 characters and generateName adds 5. */
    static String generateName(String vmi) {
        String base = "drainpilot-" + vmi;
        return (base.length() > 240 ? base.substring(0, 240) : base) + "-";
    }

    /**
     * KubeVirt adds no CPU selector for host-passthrough: without steering the target is a gamble whenever some
     * schedulable node has a different CPU. Returns why, when that is so.
     */
    static Optional<String> unsafeWithoutSteering(VirtualMachineInstance vmi, String source, Decision.Migrate plan,
            ScanContext ctx) {
        CpuRequirement cpu = CpuRequirement.of(vmi);
        if (cpu.mode() != CpuMode.HOST_PASSTHROUGH) {
            return Optional.empty();
        }
        Node src = ctx.nodes().stream().filter(n -> n.getMetadata().getName().equals(source)).findFirst().orElse(null);
        if (src == null) {
            return Optional.of("source node " + source + " not found");
        }
        CpuLabels srcLabels = ctx.cpuLabels().apply(src);
        List<String> risky = ctx.nodes().stream()
                .filter(n -> !n.getMetadata().getName().equals(source))
                .filter(MigrationRequester::schedulable)
                .filter(n -> !plan.rankedTargets().contains(n.getMetadata().getName()))
                .filter(n -> CpuCompatibility.incompatibility(cpu, srcLabels, ctx.cpuLabels().apply(n)).isPresent())
                .map(n -> n.getMetadata().getName()).toList();
        if (risky.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of("host-passthrough VM and target steering is off (KubeVirt older than 1.6 or "
                + "drainpilot.migration.target-steering=off): KubeVirt could place it on " + String.join(", ", risky)
                + ", whose CPU differs, and the migration would fail inside libvirt");
    }

    private static boolean schedulable(Node n) {
        boolean cordoned = n.getSpec() != null && Boolean.TRUE.equals(n.getSpec().getUnschedulable());
        return !cordoned && n.getMetadata().getLabels() != null
                && "true".equals(n.getMetadata().getLabels().get(KubeVirtNames.LABEL_SCHEDULABLE));
    }

    private static String waitFor(String cap, VmWork work) {
        LOG.debug("{}/{} waits for the next scan: {}", work.namespace(), work.name(), cap);
        return "waiting: " + cap;
    }

    static int parseAttempts(String value) {
        try {
            return value == null ? 0 : Math.max(0, Integer.parseInt(value.trim()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
