package io.drainpilot.migrate;

import io.drainpilot.config.Settings;
import io.drainpilot.kubevirt.ClusterApi;
import io.drainpilot.kubevirt.KubeVirtNames;
import io.drainpilot.kubevirt.VirtualMachineInstanceMigration;
import io.drainpilot.names.Bookkeeping;
import io.drainpilot.names.Names;
import io.drainpilot.observe.DrainMetrics;
import io.drainpilot.plan.TargetSteering;
import io.drainpilot.work.Decision;
import io.drainpilot.work.RecoveryCase;
import io.drainpilot.work.VmWork;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The migrate stage: one VMIM for a VM the evaluation decided to start, steered to the target it chose. The name is
 * a function of (VMI, drain, attempt), so asking twice (a redelivery after a lost answer, a second replica) finds
 * the first one instead of making another; the VMI's attempt count is set from the attempt actually created.
 */
public class MigrationRequester {
    private static final Logger LOG = LoggerFactory.getLogger(MigrationRequester.class);
    /** Kubernetes object names stop at 253 characters. */
    static final int MAX_NAME = 253;

    private final ClusterApi api;
    private final Settings settings;
    private final DrainMetrics metrics;
    private final Function<String, Optional<Node>> nodes;

    /** @param nodes a node by name, to steer by its {@code kubernetes.io/hostname} label */
    public MigrationRequester(ClusterApi api, Settings settings, DrainMetrics metrics, Function<String, Optional<Node>> nodes) {
        this.api = api;
        this.settings = settings;
        this.metrics = metrics;
        this.nodes = nodes;
    }

    /** What became of a request; the migrate route branches on {@link #outcome()}. */
    public record Result(String outcome, String migration, RecoveryCase recoveryCase) {
        public static final String STARTED = "Started";
        public static final String REFUSED = "Refused";
    }

    public Result request(VmWork work) {
        if (!(work.decision() instanceof Decision.Migrate migrate)) {
            throw new IllegalArgumentException(work.describe() + " is not planned to migrate");
        }
        String ns = work.namespace();
        String source = work.node();
        String drainId = work.drainKey().substring(work.drainKey().indexOf('/') + 1);
        VirtualMachineInstanceMigration vmim = newMigration(ns, work.name(), source, drainId, work.attempt(), work.target());
        // the VM's memory, for the drain report (the VMI may have left the node by the time it is written)
        io.drainpilot.plan.VmiMemory.bytes(work.vmi()).ifPresent(bytes ->
                vmim.getMetadata().getAnnotations().put(Bookkeeping.MIGRATION_MEMORY, String.valueOf(bytes)));
        VirtualMachineInstanceMigration created;
        try {
            created = api.createMigration(vmim);
        } catch (KubernetesClientException e) {
            String message = e.getStatus() == null || e.getStatus().getMessage() == null ? String.valueOf(e.getMessage())
                    : e.getStatus().getMessage();
            if (e.getCode() == 422 || e.getCode() == 400) {
                if (message.contains("in-flight migration detected")) {
                    // someone else's migration started in between: the next evaluation adopts it
                    return new Result("AlreadyMigrating", null, null);
                }
                // KubeVirt's admission said no: the reason is the VM's, not the API's
                return new Result(Result.REFUSED, null, new RecoveryCase(source, ns, work.name(),
                        RecoveryCase.Reason.MigrationRefused, "KubeVirt refused the migration: " + message,
                        work.target(), null, work.attempt(), drainId));
            }
            throw e; // an API error: the route redelivers, and the same name makes a repeat harmless
        }
        // the attempt counts once the migration exists: set (not added), so a repeat writes the same number
        api.annotateVmi(ns, work.name(), Map.of(Names.ATTEMPTS, String.valueOf(work.attempt()),
                Bookkeeping.DRAIN, work.drainKey()));
        metrics.migrationStarted(source);
        LOG.info("Node {}: migrating {}/{} ({}, attempt {}) {} as {}", source, ns, work.name(), migrate.cpuMode(),
                work.attempt(), work.target() == null ? "to a node KubeVirt chooses among "
                        + Decision.firstOf(migrate.rankedTargets(), Decision.SHOWN, " other nodes")
                        : "to " + work.target(), created.getMetadata().getName());
        return new Result(Result.STARTED, created.getMetadata().getName(), null);
    }

    private VirtualMachineInstanceMigration newMigration(String ns, String vmi, String source, String drainId,
            int attempt, String target) {
        VirtualMachineInstanceMigration m = new VirtualMachineInstanceMigration();
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(Names.MANAGED_BY, Names.MANAGED_BY_VALUE);
        labels.put(Names.SOURCE_NODE, Names.labelValue(source));
        labels.put(Bookkeeping.MIGRATION_DRAIN, drainId);
        labels.put(Bookkeeping.MIGRATION_ATTEMPT, String.valueOf(attempt));
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put(KubeVirtNames.ANNOTATION_UNSCHEDULABLE_TIMEOUT, String.valueOf(settings.unschedulableTimeout.toSeconds()));
        annotations.put(KubeVirtNames.ANNOTATION_PENDING_TIMEOUT, String.valueOf(settings.pendingTimeout.toSeconds()));
        if (!source.equals(Names.labelValue(source))) {
            annotations.put(Names.SOURCE_NODE, source); // the label holds a shortened form
        }
        m.setMetadata(new ObjectMetaBuilder().withNamespace(ns).withName(name(vmi, drainId, attempt)).withLabels(labels)
                .withAnnotations(annotations)
                .build());
        VirtualMachineInstanceMigration.Spec spec = new VirtualMachineInstanceMigration.Spec();
        spec.vmiName = vmi;
        if (target != null) {
            // the target pod's nodeSelector is matched against labels: the node's own hostname label, not its name
            spec.addedNodeSelector = TargetSteering.selectorFor(target, nodes.apply(target));
        }
        m.setSpec(spec);
        return m;
    }

    /**
     * {@code drainpilot-<vmi>-<drain>-<attempt>}: one name per attempt of one drain. A VMI name too long to fit is
     * shortened and made unique again with a hash of the whole.
     */
    static String name(String vmi, String drainId, int attempt) {
        String tail = "-" + drainId + "-" + attempt;
        String full = "drainpilot-" + vmi + tail;
        if (full.length() <= MAX_NAME) {
            return full;
        }
        String hash = sha256(vmi).substring(0, 10);
        int room = MAX_NAME - "drainpilot-".length() - tail.length() - hash.length() - 1;
        String head = vmi.substring(0, room).replaceAll("[.-]+$", "");
        return "drainpilot-" + head + "-" + hash + tail;
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
