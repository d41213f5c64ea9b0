package io.drainpilot.recover;

import io.drainpilot.names.Bookkeeping;
import io.drainpilot.names.Names;
import io.drainpilot.work.Alert;
import io.drainpilot.kubevirt.ClusterApi;
import io.drainpilot.view.ClusterView;
import io.drainpilot.kubevirt.VirtualMachine;
import io.fabric8.kubernetes.api.model.Node;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Starts again the VMs the shutdown-restart fallback stopped, once their node's drain is released or over,
 * unless someone changed the VM meanwhile (then a person decides, and we say so).
 */
public class Restarter {
    private static final Logger LOG = LoggerFactory.getLogger(Restarter.class);

    private final ClusterView view;
    private final ClusterApi api;

    public Restarter(ClusterView view, ClusterApi api) {
        this.view = view;
        this.api = api;
    }

    /** The alerts for every VM restarted (or deliberately not restarted) in this pass. */
    public List<Alert> restartReleased() {
        List<Alert> alerts = new ArrayList<>();
        for (VirtualMachine vm : view.vmsLabelled(Bookkeeping.STOPPED)) {
            if (!"true".equals(vm.getMetadata().getLabels().get(Bookkeeping.STOPPED))) {
                continue;
            }
            Map<String, String> ann = vm.getMetadata().getAnnotations() == null ? Map.of() : vm.getMetadata().getAnnotations();
            String node = ann.get(Bookkeeping.STOPPED_FOR_NODE);
            Optional<Node> n = node == null ? Optional.empty() : view.node(node);
            String state = n.map(x -> x.getMetadata().getAnnotations()).map(a -> a.get(Names.EVACUATION)).orElse(null);
            boolean released = n.isEmpty() || state == null || Names.COMPLETED.equals(state) || Names.CANCELLED.equals(state);
            if (!released) {
                continue;
            }
            String ns = vm.getMetadata().getNamespace();
            String name = vm.getMetadata().getName();
            Map<String, String> clear = new HashMap<>();
            clear.put(Bookkeeping.STOPPED_FOR_NODE, null);
            clear.put(Bookkeeping.STOPPED_RUN_STRATEGY, null);
            Map<String, String> unlabel = new HashMap<>();
            unlabel.put(Bookkeeping.STOPPED, null);
            if (!VirtualMachine.HALTED.equals(vm.runStrategy())) {
                api.updateVm(ns, name, null, unlabel, clear);
                alerts.add(Alert.of(Alert.WARNING, node, ns, name, "RestartSkipped",
                        "runStrategy was changed to " + vm.runStrategy() + " after DrainPilot stopped it; left as it is", 0,
                        "restart-skipped"));
                continue;
            }
            String restore = ann.getOrDefault(Bookkeeping.STOPPED_RUN_STRATEGY, VirtualMachine.ALWAYS);
            api.updateVm(ns, name, VirtualMachine.HALTED.equals(restore) ? VirtualMachine.ALWAYS : restore, unlabel, clear);
            LOG.info("Node {}: drain released; started {}/{} again (runStrategy {})", node, ns, name, restore);
            alerts.add(Alert.of(Alert.INFO, node, ns, name, "Restarted", "stopped for the drain of " + node, 0, "restarted"));
        }
        return alerts;
    }
}
