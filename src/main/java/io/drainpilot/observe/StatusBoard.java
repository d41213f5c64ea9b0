package io.drainpilot.observe;

import io.drainpilot.drain.EvacuationSummary;
import io.drainpilot.drain.NodePlan;
import io.drainpilot.drain.VmWork;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The latest view of every node this process is evacuating, as the last scan saw it: what the status page and the
 * gauges show. Memory only and rebuilt by every scan; the cluster's annotations stay the record.
 */
public class StatusBoard {

    /** One VM's line on the board. */
    public record VmLine(String namespace, String name, String state, String detail) {
    }

    /**
     * One node's card on the board.
     *
     * @param summary the node's {@code drainpilot.io/evacuation-summary} as the scan read it (one scan behind
     *                what the scan then wrote), or null
     */
    public record NodeCard(String node, String state, List<String> signals, List<VmLine> vms, Instant seenAt,
            EvacuationSummary summary) {
        public long count(String vmState) {
            return vms.stream().filter(v -> v.state().equals(vmState)).count();
        }
    }

    private final Map<String, NodeCard> nodes = new ConcurrentHashMap<>();
    private final List<Runnable> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Runs after every change of the board (the state gauge follows it). */
    public void onChange(Runnable listener) {
        listeners.add(listener);
    }

    private void changed() {
        listeners.forEach(Runnable::run);
    }

    /** Records what a scan made of a node. */
    public void update(NodePlan plan, String state) {
        List<VmLine> vms = plan.vms().stream().map(StatusBoard::line).toList();
        Map<String, String> a = plan.request().node() == null || plan.request().node().getMetadata() == null ? null
                : plan.request().node().getMetadata().getAnnotations();
        EvacuationSummary summary = a == null ? null : EvacuationSummary.parse(a.get(io.drainpilot.names.Names.EVACUATION_SUMMARY));
        nodes.put(plan.node(), new NodeCard(plan.node(), state, plan.request().signals(), vms, Instant.now(), summary));
        changed();
    }

    /** A node no scan reports any more (drain over or withdrawn) leaves the board. */
    public void retainOnly(java.util.Collection<String> drainingNodes) {
        if (nodes.keySet().retainAll(drainingNodes)) {
            changed();
        }
    }

    public List<NodeCard> cards() {
        return nodes.values().stream().sorted(java.util.Comparator.comparing(NodeCard::node)).toList();
    }

    private static VmLine line(VmWork w) {
        String state = w.decision() != null ? w.outcome() : w.state().name();
        String detail = w.decision() != null ? w.decision().describe() : w.note();
        return new VmLine(w.namespace(), w.name(), state, detail);
    }
}
