package io.drainpilot.observe;

import io.drainpilot.work.EvacuationSummary;
import io.drainpilot.work.NodePlan;
import io.drainpilot.work.VmWork;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The latest view of every node this process is evacuating, as the last scan saw it: what the status page and the
 * gauges show. Memory only and rebuilt by every scan; the cluster's annotations stay the record.
 */
public class StatusBoard {

    /**
     * One VM's line on the board.
     *
     * @param attempt   1-based: the drain's count for this VM: the attempt under way, else the next one's number (a
     *                  settled VM: the attempts it took); null for a VM DrainPilot does not move (skipped, stopping,
     *                  someone else's migration)
     * @param migration its migration under way (or ended and not settled yet), or null
     */
    public record VmLine(String namespace, String name, String state, String detail, Integer attempt,
            MigrationLine migration) {
        public VmLine(String namespace, String name, String state, String detail) {
            this(namespace, name, state, detail, null, null);
        }
    }

    /**
     * A VM's current migration as the view shows it.
     *
     * @param phase    the VMIM's phase, KubeVirt's wire name ("" before KubeVirt set one)
     * @param target   the node it goes to, once known (KubeVirt's report, else the steered one); else null
     * @param created  the VMIM's creation
     * @param deadline when DrainPilot cancels it (as the phase stands now); null for someone else's migration
     */
    public record MigrationLine(String name, String phase, String target, Instant created, Instant deadline) {
    }

    /**
     * What the evaluation adds to a node's card beyond its plan.
     *
     * @param migrations by VM (namespace/name)
     * @param etaAt      when the evacuation is estimated to end; null when there is no estimate
     * @param etaBasis   which rates the estimate rests on (pair, cluster, mixed), or null
     */
    public record Live(Map<String, MigrationLine> migrations, Instant etaAt, String etaBasis) {
        public static final Live NONE = new Live(Map.of(), null, null);
    }

    /**
     * One node's card on the board.
     *
     * @param summary the node's {@code drainpilot.io/evacuation-summary} as the scan read it (one scan behind
     *                what the scan then wrote), or null
     */
    public record NodeCard(String node, String state, List<String> signals, List<VmLine> vms, Instant seenAt,
            EvacuationSummary summary, List<String> holds, Instant etaAt, String etaBasis) {
        public NodeCard(String node, String state, List<String> signals, List<VmLine> vms, Instant seenAt,
                EvacuationSummary summary) {
            this(node, state, signals, vms, seenAt, summary, List.of(), null, null);
        }

        /** Seconds left until the estimated end (0 once it is past), or null without an estimate. */
        public Long etaSeconds(Instant now) {
            return etaAt == null ? null : Math.max(0, (long) Math.ceil(java.time.Duration.between(now, etaAt).toMillis() / 1000.0));
        }

        public long count(String vmState) {
            return vms.stream().filter(v -> v.state().equals(vmState)).count();
        }
    }

    /**
     * A drain report this process wrote (or found written).
     *
     * @param configMap the report's ConfigMap name (in DrainPilot's namespace)
     * @param outcome   how the drain ended: Completed, Cancelled, Withdrawn, NodeGone
     */
    public record ReportLine(String node, String drainId, String configMap, String endedAt, String outcome) {
    }

    /** How many recent reports the board keeps. */
    public static final int REPORTS = 50;

    private final java.util.Deque<ReportLine> reports = new java.util.concurrent.ConcurrentLinkedDeque<>();

    /** Records a report (one line per ConfigMap: a newer line replaces an older one for the same drain). */
    public synchronized void reported(ReportLine line) {
        reports.removeIf(r -> r.configMap().equals(line.configMap()));
        reports.addFirst(line);
        while (reports.size() > REPORTS) {
            reports.removeLast();
        }
    }

    /** The recent reports, newest first (this process's memory: a new leader starts empty). */
    public List<ReportLine> reports() {
        return List.copyOf(reports);
    }

    private final Map<String, NodeCard> nodes = new ConcurrentHashMap<>();
    private final DrainHistory history = new DrainHistory();
    /** Each card's drain id (kept beside the cards, for the history entry when the card goes). */
    private final Map<String, String> drainIds = new ConcurrentHashMap<>();
    private final List<Runnable> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Runs after every change of the board (the state gauge follows it). */
    public void onChange(Runnable listener) {
        listeners.add(listener);
    }

    private void changed() {
        listeners.forEach(Runnable::run);
    }

    /** How DrainPilot takes part in the running Harvester upgrade, and each node's state in it. */
    public record HarvesterCard(String mode, String why, String upgrade, Map<String, String> nodeStates) {
    }

    private volatile HarvesterCard harvester = new HarvesterCard("none", "no Harvester upgrade seen yet", null, Map.of());

    public void harvester(String mode, String why, String upgrade, Map<String, String> nodeStates) {
        harvester = new HarvesterCard(mode, why, upgrade, Map.copyOf(nodeStates));
    }

    public HarvesterCard harvester() {
        return harvester;
    }

    private volatile int movedAgain;

    /** VMs DrainPilot migrated more than once in the running upgrade (0 when none runs). */
    public void movedAgain(int count) {
        movedAgain = count;
    }

    public int movedAgain() {
        return movedAgain;
    }

    /** Records what a scan made of a node. */
    public void update(NodePlan plan, String state) {
        update(plan, state, Live.NONE);
    }

    /** Records what a scan made of a node, with its migrations under way and the estimated end. */
    public void update(NodePlan plan, String state, Live live) {
        List<VmLine> vms = plan.vms().stream().map(w -> line(w, live.migrations().get(w.key()))).toList();
        Map<String, String> a = plan.request().node() == null || plan.request().node().getMetadata() == null ? null
                : plan.request().node().getMetadata().getAnnotations();
        EvacuationSummary summary = a == null ? null : EvacuationSummary.parse(a.get(io.drainpilot.names.Names.EVACUATION_SUMMARY));
        String drainId = a == null ? null : a.get(io.drainpilot.names.Bookkeeping.DRAIN_ID);
        if (drainId == null) {
            drainIds.remove(plan.node());
        } else {
            drainIds.put(plan.node(), drainId);
        }
        nodes.put(plan.node(), new NodeCard(plan.node(), state, plan.request().signals(), vms, Instant.now(), summary,
                List.copyOf(plan.holds()), live.etaAt(), live.etaBasis()));
        if (io.drainpilot.names.Names.COMPLETED.equals(state) || io.drainpilot.names.Names.CANCELLED.equals(state)) {
            history.ended(plan.node(), drainId,
                    io.drainpilot.names.Names.COMPLETED.equals(state) ? DrainHistory.Outcome.COMPLETED
                            : DrainHistory.Outcome.CANCELLED, state, summary, Instant.now());
        }
        changed();
    }

    /** The drains this replica saw end (memory only). */
    public DrainHistory history() {
        return history;
    }

    /** A node no scan reports any more (drain over or withdrawn) leaves the board. */
    public void retainOnly(java.util.Collection<String> drainingNodes) {
        boolean removed = false;
        for (NodeCard c : List.copyOf(nodes.values())) {
            if (!drainingNodes.contains(c.node()) && nodes.remove(c.node(), c)) {
                removed = true;
                String drainId = drainIds.remove(c.node());
                if (!io.drainpilot.names.Names.COMPLETED.equals(c.state())
                        && !io.drainpilot.names.Names.CANCELLED.equals(c.state())) {
                    // the drain signal (or the Node) went before the drain completed
                    history.ended(c.node(), drainId, DrainHistory.Outcome.WITHDRAWN, c.state(), c.summary(),
                            Instant.now());
                }
            }
        }
        if (removed) {
            changed();
        }
    }

    public List<NodeCard> cards() {
        return nodes.values().stream().sorted(java.util.Comparator.comparing(NodeCard::node)).toList();
    }

    /** A VM bound for recovery shows the planner's outcome (NotMigratable...), every other VM its state. */
    private static VmLine line(VmWork w, MigrationLine migration) {
        boolean toRecovery = w.state() == io.drainpilot.work.VmState.PLANNED && w.decision() != null;
        String state = toRecovery ? w.decision().outcome() : w.state().wire();
        String detail = w.note() != null ? w.note() : w.decision() != null ? w.decision().describe() : null;
        Integer attempt = switch (w.state()) {
            case SKIPPED, STOPPING, ADOPTED -> null;
            // under way or ended: the attempt its migration carries
            case MIGRATING, SETTLING -> Math.max(1, w.attempt() - 1);
            // done with: the attempts it took (0 when it never migrated)
            case SETTLED -> w.attempt() - 1;
            // still to start: the attempt its next migration gets
            default -> w.attempt();
        };
        return new VmLine(w.namespace(), w.name(), state, detail, attempt, migration);
    }
}
