package io.drainpilot.drain;

import io.drainpilot.alert.ProblemReporter;
import io.drainpilot.config.Settings;
import io.drainpilot.kubevirt.ClusterApi;
import io.drainpilot.names.Bookkeeping;
import io.drainpilot.names.Names;
import io.drainpilot.observe.DrainMetrics;
import io.drainpilot.observe.StatusBoard;
import io.drainpilot.view.ClusterView;
import io.drainpilot.work.DrainRequest;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Secret;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which nodes are asked to drain, read from the cluster view (no request). The scan timer asks for every node (the
 * safety net); the evaluation queue asks for one node at a time ({@link #request}).
 */
public class DrainScanner {
    private static final Logger LOG = LoggerFactory.getLogger(DrainScanner.class);

    private final ClusterView view;
    private final ClusterApi api;
    private final Settings settings;
    private final DrainSignals signals;
    private final ProblemReporter problems;
    private final StatusBoard board;
    private final DrainMetrics metrics;
    private final Set<String> draining = ConcurrentHashMap.newKeySet();
    /** Nodes that were draining when their Node object disappeared: their drain is ended once ({@link NodeGone}). */
    private final Set<String> gone = ConcurrentHashMap.newKeySet();
    /** Nodes whose drain was just withdrawn, with the evacuation state it had: their report is written once. */
    private final Map<String, String> closed = new ConcurrentHashMap<>();
    private volatile NodeEvacuation evacuation;

    public DrainScanner(ClusterView view, ClusterApi api, Settings settings, ProblemReporter problems,
            StatusBoard board, DrainMetrics metrics) {
        this.view = view;
        this.api = api;
        this.settings = settings;
        this.signals = new DrainSignals(settings);
        this.problems = problems;
        this.board = board;
        this.metrics = metrics;
    }

    /**
     * The safety net: every node with a drain signal or a cancel request, and every node whose drain was withdrawn
     * but still carries its evacuation state. Nothing until the view has its first lists.
     */
    public List<String> scan() {
        if (!view.synced()) {
            return List.of();
        }
        Map<String, DrainRequest.RancherHook> hooks = hooks();
        List<String> out = new ArrayList<>();
        Set<String> now = new TreeSet<>();
        for (Node node : view.nodes()) {
            String name = node.getMetadata().getName();
            if (!signals.signalsOf(node, hookOf(node, hooks)).isEmpty()) {
                now.add(name);
                out.add(name);
            } else if (DrainSignals.annotations(node).get(Names.EVACUATION) != null
                    || DrainSignals.annotations(node).get(Bookkeeping.CORDONED) != null) {
                // a withdrawn drain still to close, or DrainPilot's cordon still to undo
                out.add(name);
            }
        }
        for (String d : draining) {
            if (view.node(d).isEmpty() && gone.add(d)) {
                out.add(d); // deleted while draining: its evaluation ends the drain
            }
        }
        draining.retainAll(now);
        draining.addAll(now);
        board.retainOnly(now);
        if (evacuation != null) {
            // the VMIs of nodes no drain needs any more (a finished drain, its candidate targets) are not watched
            view.keepWatching(evacuation.watchedForDrains(now));
        }
        return out;
    }

    /**
     * The node's drain request as the view shows it now, or null when nothing asks for a drain (a withdrawn drain's
     * evacuation state is removed then, so the next request starts a fresh drain).
     */
    public DrainRequest request(String name) {
        if (!view.synced()) {
            return null;
        }
        Optional<Node> node = view.node(name);
        if (node.isEmpty()) {
            if (draining.remove(name)) {
                gone.add(name);
            }
            board.retainOnly(draining);
            return null;
        }
        Optional<DrainRequest.RancherHook> hook = hookOf(node.get(), hooks());
        List<String> found = signals.signalsOf(node.get(), hook);
        if (found.isEmpty()) {
            draining.remove(name);
            board.retainOnly(draining);
            String state = DrainSignals.annotations(node.get()).get(Names.EVACUATION);
            if (state != null && !settings.dryRun) {
                LOG.info("Node {}: no drain signal any more; evacuation {} closed", name, state);
                api.annotateNode(name, Collections.singletonMap(Names.EVACUATION, null));
                closed.put(name, state);
            }
            return null;
        }
        draining.add(name);
        return new DrainRequest(node.get(), found, DrainSignals.cancelRequested(node.get()), hook.orElse(null));
    }

    /** Once, for a node whose drain was just withdrawn: the evacuation state it had; else null. */
    public String takeClosed(String name) {
        return closed.remove(name);
    }

    /** Whether a node was draining when its Node object disappeared (without taking it: {@link #takeGone}). */
    public boolean isGone(String name) {
        return gone.contains(name);
    }

    /** True once for a node that was draining when its Node object disappeared. */
    public boolean takeGone(String name) {
        return gone.remove(name);
    }

    /** The stage whose VMI watches the scan trims to what the drains still need. */
    public void trimWatchesOf(NodeEvacuation evacuation) {
        this.evacuation = evacuation;
    }

    /**
     * The drain signals these nodes carry now, read from the view only: no bookkeeping, no problem report, no write
     * (what a follower's status shows).
     */
    public Map<String, List<String>> signalsOf(List<Node> nodes) {
        Map<String, DrainRequest.RancherHook> hooks = settings.signalRancherHook
                ? signals.hooksByMachine(view.planSecrets(), (secret, problem) -> { })
                : Map.of();
        Map<String, List<String>> out = new java.util.HashMap<>();
        nodes.forEach(n -> out.put(n.getMetadata().getName(), signals.signalsOf(n, hookOf(n, hooks))));
        return out;
    }

    /** The nodes the last scan or request found draining. */
    public Set<String> draining() {
        return Set.copyOf(draining);
    }

    private Optional<DrainRequest.RancherHook> hookOf(Node node, Map<String, DrainRequest.RancherHook> hooks) {
        String machine = DrainSignals.annotations(node).get(Names.CAPI_MACHINE_ANNOTATION);
        return Optional.ofNullable(machine == null ? null : hooks.get(machine));
    }

    private Map<String, DrainRequest.RancherHook> hooks() {
        if (!settings.signalRancherHook) {
            return Map.of();
        }
        List<Secret> secrets = view.planSecrets();
        return signals.hooksByMachine(secrets, problems::report);
    }
}
