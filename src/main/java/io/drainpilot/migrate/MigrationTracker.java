package io.drainpilot.migrate;

import io.drainpilot.names.Bookkeeping;
import io.drainpilot.names.Names;
import io.drainpilot.config.Settings;
import io.drainpilot.drain.EvacuationSummary;
import io.drainpilot.drain.NodeStatus;
import io.drainpilot.kubevirt.ClusterApi;
import io.drainpilot.kubevirt.MigrationPhase;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.kubevirt.VirtualMachineInstanceMigration;
import io.drainpilot.observe.DrainMetrics;
import io.drainpilot.plan.VmiMemory;
import io.drainpilot.recover.MigrationProblem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The await stage: polls the migrations DrainPilot started (found by label, so a new process finds them too),
 * reports progress, cancels those past their deadline, and hands back the ones that ended. Each ended
 * migration is marked once as recorded, so it is counted and acted on exactly once.
 */
public class MigrationTracker {
    private static final Logger LOG = LoggerFactory.getLogger(MigrationTracker.class);
    private static final long GIB = 1024L * 1024 * 1024;

    private final ClusterApi api;
    private final Settings settings;
    private final Clock clock;
    private final NodeStatus status;
    private final DrainMetrics metrics;
    private final AdoptedMigrations adopted;
    private final Map<String, MigrationPhase> lastPhase = new ConcurrentHashMap<>();
    private final Set<String> touchedNodes = ConcurrentHashMap.newKeySet();

    public MigrationTracker(ClusterApi api, Settings settings, Clock clock, DrainMetrics metrics,
            AdoptedMigrations adopted) {
        this.api = api;
        this.adopted = adopted;
        this.metrics = metrics;
        this.status = new NodeStatus(api);
        this.settings = settings;
        this.clock = clock;
    }

    /** Our migrations that ended (or must end) since the last poll; in-flight ones only get a progress line. */
    public List<TrackedMigration> poll() {
        followAdopted();
        List<TrackedMigration> ended = new ArrayList<>();
        for (VirtualMachineInstanceMigration m : api.migrationsLabelled(Names.MANAGED_BY, Names.MANAGED_BY_VALUE)) {
            if (m.getMetadata().getAnnotations() != null && m.getMetadata().getAnnotations().containsKey(Bookkeeping.RECORDED)) {
                continue;
            }
            String key = m.getMetadata().getNamespace() + "/" + m.getMetadata().getName();
            MigrationPhase phase = m.phase();
            MigrationPhase before = lastPhase.put(key, phase);
            String source = label(m, Names.SOURCE_NODE);
            if (before != phase) {
                LOG.info("Node {}: {}/{} migration {} {} ({}s)", source, m.getMetadata().getNamespace(), m.vmiName(),
                        m.getMetadata().getName(), phase == MigrationPhase.UNSET ? "created" : phase.wire(),
                        elapsed(m).toSeconds());
            }
            track(m, phase, source).ifPresent(t -> {
                ended.add(t);
                lastPhase.remove(key);
            });
        }
        return ended;
    }

    /**
     * Migrations someone else started: when one ends with the VM off the draining node it counts as migrated; when
     * it fails the node is looked at again at once, and DrainPilot moves the VM itself.
     */
    private void followAdopted() {
        for (AdoptedMigrations.Adopted a : adopted.all()) {
            Optional<VirtualMachineInstanceMigration> m = api.migration(a.namespace(), a.name());
            if (m.isPresent() && !m.get().phase().isFinal()) {
                continue;
            }
            adopted.forget(a);
            touchedNodes.add(a.node());
            String now = api.vmi(a.namespace(), a.vmi()).flatMap(VirtualMachineInstance::nodeName).orElse(a.node());
            if (m.isPresent() && m.get().phase() == MigrationPhase.SUCCEEDED && !now.equals(a.node())) {
                status.update(a.node(), null, EvacuationSummary::plusMigrated);
                LOG.info("Node {}: {}/{} moved to {} by adopted migration {}", a.node(), a.namespace(), a.vmi(), now, a.name());
            } else {
                LOG.info("Node {}: adopted migration {}/{} of {} ended without moving it; DrainPilot takes over",
                        a.node(), a.namespace(), a.name(), a.vmi());
            }
        }
    }

    private Optional<TrackedMigration> track(VirtualMachineInstanceMigration m, MigrationPhase phase, String source) {
        String ns = m.getMetadata().getNamespace();
        String target = InFlightMigrations.targetOf(m).orElse(null);
        if (phase.isBeforeRunning()) {
            // nothing here needs the VMI: the deadline counts from creation (a deleted VMI fails the migration)
            return overdue(m, phase, null).map(why -> cancel(m, source, target, why));
        }
        Optional<VirtualMachineInstance> vmi = api.vmi(ns, m.vmiName());
        if (vmi.isEmpty()) {
            return Optional.of(tracked(m, source, target, TrackedMigration.GONE, "the VMI was deleted", null));
        }
        if (phase == MigrationPhase.SUCCEEDED) {
            String now = vmi.get().nodeName().orElse("");
            if (now.equals(source)) {
                return Optional.of(tracked(m, source, target, TrackedMigration.FAILED,
                        "KubeVirt reports Succeeded but the VMI still runs on " + source, null));
            }
            return Optional.of(tracked(m, source, now, TrackedMigration.SUCCEEDED, "now on " + now, durationOf(m)));
        }
        if (phase == MigrationPhase.FAILED) {
            return Optional.of(tracked(m, source, target, TrackedMigration.FAILED, failureReason(m, vmi.get()), null));
        }
        return overdue(m, phase, vmi.get()).map(why -> cancel(m, source, target, why));
    }

    /** Cancels a migration past its deadline; recovery decides what comes next. */
    private TrackedMigration cancel(VirtualMachineInstanceMigration m, String source, String target, String why) {
        String ns = m.getMetadata().getNamespace();
        // hold the VM first: once the migration is deleted nothing else says a decision is pending
        try {
            api.annotateVmi(ns, m.vmiName(), Map.of(Bookkeeping.RETRY_AFTER,
                    clock.instant().plus(settings.retryBackoff).truncatedTo(ChronoUnit.SECONDS).toString()));
        } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e; // a VMI that is gone needs no hold; anything else is retried by the route
            }
        }
        api.deleteMigration(ns, m.getMetadata().getName()); // deleting a VMIM is how KubeVirt cancels it
        return tracked(m, source, target, TrackedMigration.TIMED_OUT, why, null);
    }

    /** Before Running the deadline is flat; once Running it grows with the VM's memory ({@code vmi} needed then). */
    private Optional<String> overdue(VirtualMachineInstanceMigration m, MigrationPhase phase, VirtualMachineInstance vmi) {
        Instant now = clock.instant();
        if (phase.isBeforeRunning()) {
            Instant created = Instant.parse(m.getMetadata().getCreationTimestamp());
            if (now.isAfter(created.plus(settings.deadlineBeforeRunning))) {
                return Optional.of("still " + (phase == MigrationPhase.UNSET ? "not started" : phase.wire()) + " after "
                        + settings.deadlineBeforeRunning.toSeconds() + "s (drainpilot.migration.deadline.before-running)");
            }
            return Optional.empty();
        }
        Instant running = transition(m, MigrationPhase.RUNNING).orElse(Instant.parse(m.getMetadata().getCreationTimestamp()));
        long gib = Math.max(1, (VmiMemory.bytes(vmi).orElse(GIB) + GIB - 1) / GIB);
        Duration limit = settings.deadlineRunningBase.plus(settings.deadlineRunningPerGiB.multipliedBy(gib));
        if (now.isAfter(running.plus(limit))) {
            return Optional.of("still Running after " + limit.toSeconds() + "s (base "
                    + settings.deadlineRunningBase.toSeconds() + "s + " + gib + " GiB x "
                    + settings.deadlineRunningPerGiB.toSeconds() + "s)");
        }
        return Optional.empty();
    }

    /**
     * Counts a success on the source node's summary, then marks the migration recorded: the node is released only
     * once every migration is recorded, so its final summary always includes this one.
     */
    public void recordSuccess(TrackedMigration t) {
        status.update(t.sourceNode(), null, EvacuationSummary::plusMigrated);
        markRecorded(t);
        touchedNodes.add(t.sourceNode());
        metrics.migrationEnded(t.result(), t.duration());
        LOG.info("Node {}: {}/{} migrated to {} in {}s", t.sourceNode(), t.namespace(), t.vmi(), t.targetNode(),
                t.duration() == null ? "?" : t.duration().toSeconds());
    }

    /**
     * Raises a failed or expired migration for the dead-letter channel. Recovery marks it recorded once it has
     * decided, so until then the VM counts as in flight and no scan plans it again.
     */
    public void fail(TrackedMigration t) {
        touchedNodes.add(t.sourceNode());
        metrics.migrationEnded(t.result(), null);
        throw new MigrationProblem(t.recoveryCase());
    }

    /** A migration whose VMI is gone: nothing to move any more. */
    public void forget(TrackedMigration t) {
        markRecorded(t);
        metrics.migrationEnded(t.result(), null);
        touchedNodes.add(t.sourceNode());
        LOG.info("Node {}: {}/{} was deleted during its migration; nothing left to move", t.sourceNode(), t.namespace(), t.vmi());
    }

    /** Nodes whose migrations ended since the last call: their status may now be final. */
    public Set<String> drainTouchedNodes() {
        Set<String> out = new TreeSet<>(touchedNodes);
        touchedNodes.removeAll(out);
        return out;
    }

    private void markRecorded(TrackedMigration t) {
        markRecorded(api, t.namespace(), t.name(), t.result());
    }

    /** Marks a migration of ours as counted and acted on; a deleted (cancelled) one has nothing left to mark. */
    public static void markRecorded(ClusterApi api, String namespace, String name, String result) {
        try {
            api.annotateMigration(namespace, name, Map.of(Bookkeeping.RECORDED, result));
        } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
        }
    }

    private TrackedMigration tracked(VirtualMachineInstanceMigration m, String source, String target, String result,
            String detail, Duration duration) {
        return new TrackedMigration(m.getMetadata().getNamespace(), m.getMetadata().getName(), m.vmiName(), source,
                target, result, detail, duration);
    }

    private static String failureReason(VirtualMachineInstanceMigration m, VirtualMachineInstance vmi) {
        String fromVmim = Optional.ofNullable(m.getStatus()).map(s -> s.migrationState).map(s -> s.failureReason).orElse(null);
        if (fromVmim != null && !fromVmim.isBlank()) {
            return fromVmim;
        }
        var state = vmi.getStatus() == null ? null : vmi.getStatus().migrationState;
        if (state != null && state.failureReason != null && !state.failureReason.isBlank()) {
            return state.failureReason;
        }
        return "KubeVirt reports the migration Failed without a reason";
    }

    private static Optional<Instant> transition(VirtualMachineInstanceMigration m, MigrationPhase phase) {
        if (m.getStatus() == null || m.getStatus().phaseTransitionTimestamps == null) {
            return Optional.empty();
        }
        return m.getStatus().phaseTransitionTimestamps.stream().filter(p -> phase.wire().equals(p.phase))
                .map(p -> Instant.parse(p.phaseTransitionTimestamp)).findFirst();
    }

    private Duration elapsed(VirtualMachineInstanceMigration m) {
        String created = m.getMetadata().getCreationTimestamp();
        return created == null ? Duration.ZERO : Duration.between(Instant.parse(created), clock.instant());
    }

    /** Creation to Succeeded, from KubeVirt's own timestamps (second precision). */
    private static Duration durationOf(VirtualMachineInstanceMigration m) {
        Instant start = Instant.parse(m.getMetadata().getCreationTimestamp());
        return transition(m, MigrationPhase.SUCCEEDED).map(end -> Duration.between(start, end)).orElse(null);
    }

    private static String label(VirtualMachineInstanceMigration m, String key) {
        return m.getMetadata().getLabels() == null ? null : m.getMetadata().getLabels().get(key);
    }
}
