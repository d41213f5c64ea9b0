package io.drainpilot.drain;

import io.drainpilot.names.Names;
import io.drainpilot.alert.ProblemReporter;
import io.drainpilot.config.Settings;
import io.drainpilot.kubevirt.ClusterApi;
import io.drainpilot.observe.StatusBoard;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Secret;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The scan stage: which nodes are asked to drain right now. Reads all Nodes and the Rancher plan Secrets
 * (never VMIs: the cost of a scan does not grow with VMs on nodes that are not draining).
 */
public class DrainScanner {
    private static final Logger LOG = LoggerFactory.getLogger(DrainScanner.class);

    private final ClusterApi api;
    private final Settings settings;
    private final DrainSignals signals;
    private final ProblemReporter problems;

    private final StatusBoard board;

    public DrainScanner(ClusterApi api, Settings settings, ProblemReporter problems, StatusBoard board) {
        this.api = api;
        this.board = board;
        this.settings = settings;
        this.signals = new DrainSignals(settings);
        this.problems = problems;
    }

    /**
     * The drain requests of just these nodes (the await stage calls this for nodes whose migrations ended, so
     * their freed slots are refilled and a finished node is released without waiting for the next scan).
     * No nodes, no API call.
     */
    public List<DrainRequest> rescan(Collection<String> nodes) {
        if (nodes == null || nodes.isEmpty()) {
            return List.of();
        }
        return scan().stream().filter(r -> nodes.contains(r.nodeName())).toList();
    }

    /** Every node with a drain signal or a cancel request, plus bookkeeping for drains that were withdrawn. */
    public List<DrainRequest> scan() {
        List<Node> nodes = api.nodes();
        Map<String, DrainRequest.RancherHook> hooks = settings.signalRancherHook ? rancherHooks() : Map.of();
        List<DrainRequest> requests = new ArrayList<>();
        Set<String> draining = new HashSet<>();
        ScanContext context = new ScanContext(api, nodes, draining);
        for (Node node : nodes) {
            String machine = DrainSignals.annotations(node).get(Names.CAPI_MACHINE_ANNOTATION);
            Optional<DrainRequest.RancherHook> hook = Optional.ofNullable(machine == null ? null : hooks.get(machine));
            List<String> found = signals.signalsOf(node, hook);
            String state = DrainSignals.annotations(node).get(Names.EVACUATION);
            if (!found.isEmpty()) {
                draining.add(node.getMetadata().getName());
                requests.add(new DrainRequest(node, found, DrainSignals.cancelRequested(node), hook.orElse(null), context));
            } else if (state != null && !settings.dryRun) {
                // the drain is over or was withdrawn: the next signal starts a new one
                LOG.info("Node {}: no drain signal any more; evacuation {} closed", node.getMetadata().getName(), state);
                api.annotateNode(node.getMetadata().getName(), Collections.singletonMap(Names.EVACUATION, null));
            }
        }
        board.retainOnly(draining);
        return requests;
    }

    private Map<String, DrainRequest.RancherHook> rancherHooks() {
        List<Secret> secrets = api.planSecrets(settings.rancherPlanNamespace, Names.RANCHER_PLAN_SECRET_TYPE);
        return signals.hooksByMachine(secrets, problems::report);
    }
}
