package io.drainpilot.harvester;

import io.drainpilot.config.Settings;
import io.drainpilot.kubevirt.ClusterApi;
import io.drainpilot.names.Bookkeeping;
import io.drainpilot.names.Names;
import io.drainpilot.observe.StatusBoard;
import io.drainpilot.plan.Conductor;
import io.drainpilot.plan.UpgradeMode;
import io.drainpilot.view.ClusterView;
import io.drainpilot.work.Alert;
import io.drainpilot.work.HarvesterUpgrade;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Secret;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The harvester-upgrade stage (routes/harvester-upgrade.camel.yaml): decides how DrainPilot takes part in a running
 * Harvester upgrade ({@link UpgradeMode}) and, as its conductor, which nodes to hold in the node-upgrade pause map and
 * which to hand back ({@link Conductor}). All its state is on the Upgrade itself (the pause map and DrainPilot's list
 * of the nodes it paused), so a new leader carries on where the last one stopped.
 */
public class HarvesterConductor {
    private static final Logger LOG = LoggerFactory.getLogger(HarvesterConductor.class);

    private final ClusterView view;
    private final ClusterApi api;
    private final Settings settings;
    private final StatusBoard board;
    private final Set<String> heldTold = ConcurrentHashMap.newKeySet();
    private volatile String lastMode = "";

    public HarvesterConductor(ClusterView view, ClusterApi api, Settings settings, StatusBoard board) {
        this.view = view;
        this.api = api;
        this.settings = settings;
        this.board = board;
    }

    /** One look at the running upgrade, for the route to act on. */
    public record Step(HarvesterUpgrade upgrade, UpgradeMode.Decision decision, Conductor.Actions actions) {
        /** The route's branch: conductor, hook or none. */
        public String mode() {
            return decision.mode().wire();
        }

        public boolean handsBack() {
            return actions != null && !actions.handBack().isEmpty();
        }

        public boolean pauses() {
            return actions != null && !actions.pause().isEmpty();
        }

        public List<String> held() {
            return actions == null ? List.of() : List.copyOf(actions.held());
        }
    }

    /** How DrainPilot takes part in the running upgrade, and why (startup line, status page). */
    public UpgradeMode.Decision mode() {
        Optional<HarvesterUpgrade> upgrade = HarvesterUpgrade.running(view.harvesterUpgrades());
        return UpgradeMode.decide(settings.harvesterConductor,
                upgrade.isPresent() ? view.harvesterVersion() : Optional.empty(), upgrade);
    }

    public Step look() {
        Optional<HarvesterUpgrade> running = HarvesterUpgrade.running(view.harvesterUpgrades());
        // an upgrade that ended (or was deleted) while DrainPilot still held nodes: hand them back too
        Optional<HarvesterUpgrade> target = running.or(() -> view.harvesterUpgrades().stream().map(HarvesterUpgrade::of)
                .filter(u -> u.pausedByUs().stream().anyMatch(u::paused)).findFirst());
        UpgradeMode.Decision decision = UpgradeMode.decide(settings.harvesterConductor,
                running.isPresent() ? view.harvesterVersion() : Optional.empty(), running);
        if (!decision.describe().equals(lastMode)) {
            lastMode = decision.describe();
            LOG.info("Harvester upgrade: DrainPilot runs in {} mode ({})", decision.mode().wire(), decision.why());
        }
        board.harvester(decision.mode().wire(), decision.why(), target.map(HarvesterUpgrade::name).orElse(null),
                target.map(HarvesterUpgrade::nodeStates).orElse(Map.of()));
        if (target.isEmpty()) {
            return new Step(null, decision, null);
        }
        HarvesterUpgrade u = target.get();
        Map<String, String> evacuation = new HashMap<>();
        Set<String> asked = new TreeSet<>();
        Map<String, String> hooks = preDrainByMachine();
        for (Node n : view.nodes()) {
            Map<String, String> a = n.getMetadata().getAnnotations() == null ? Map.of() : n.getMetadata().getAnnotations();
            String name = n.getMetadata().getName();
            Optional.ofNullable(a.get(Names.EVACUATION)).ifPresent(state -> evacuation.put(name, state));
            String machine = a.get(Names.CAPI_MACHINE_ANNOTATION);
            if (machine != null && hooks.containsKey(machine)) {
                asked.add(name);
            }
        }
        boolean conducting = running.isPresent() && decision.mode() == UpgradeMode.Mode.CONDUCTOR;
        List<String> nodes = view.nodes().stream().map(n -> n.getMetadata().getName()).toList();
        return new Step(u, decision, Conductor.decide(u, conducting, nodes, evacuation, asked));
    }

    /** Holds the nodes not yet upgraded: Harvester runs no pre-drain job on a paused node. */
    public Step pause(Step step) {
        change(step.upgrade(), step.actions().pause(), HarvesterUpgrade.PAUSE);
        LOG.info("Harvester upgrade {}: holding {} until DrainPilot has evacuated them", step.upgrade().name(),
                String.join(", ", step.actions().pause()));
        return step;
    }

    /** Hands nodes back to Harvester: evacuated (its pre-drain job finds them empty), or DrainPilot steps back. */
    public Step handBack(Step step) {
        change(step.upgrade(), step.actions().handBack(), HarvesterUpgrade.UNPAUSE);
        LOG.info("Harvester upgrade {}: {} handed back to Harvester ({})", step.upgrade().name(),
                String.join(", ", step.actions().handBack()), step.decision().mode() == UpgradeMode.Mode.CONDUCTOR
                        ? "evacuated: Harvester's pre-drain job finds nothing to stop" : "DrainPilot steps back");
        return step;
    }

    /** Nodes held because their evacuation is Blocked: each told once per upgrade, at critical severity. */
    public List<Alert> heldAlerts(Step step) {
        List<Alert> out = new java.util.ArrayList<>();
        for (String node : step.held()) {
            if (heldTold.add(step.upgrade().name() + "/" + node)) {
                out.add(Alert.of(Alert.CRITICAL, node, null, null, "UpgradeHeld", "Harvester upgrade "
                        + step.upgrade().name() + " waits at this node: its evacuation is Blocked and DrainPilot keeps"
                        + " it paused. Decide per VM (see the block alerts), or hand every node back to Harvester:"
                        + " kubectl -n " + step.upgrade().namespace() + " annotate upgrades.harvesterhci.io "
                        + step.upgrade().name() + " " + Names.CONDUCTOR + "=off", 0, "hold"));
            }
        }
        return out;
    }

    /** One write: the pause map and DrainPilot's record of what it paused change together. */
    private void change(HarvesterUpgrade u, Set<String> nodes, String value) {
        api.updateUpgradeAnnotations(u.namespace(), u.name(), current -> {
            Map<String, String> pauseMap = new HashMap<>(HarvesterUpgrade.pauseMap(current.get(HarvesterUpgrade.PAUSE_MAP)));
            Set<String> ours = new LinkedHashSet<>(HarvesterUpgrade.nodes(current.get(Bookkeeping.PAUSED_NODES)));
            for (String node : nodes) {
                pauseMap.put(node, value);
                if (HarvesterUpgrade.PAUSE.equals(value)) {
                    ours.add(node);
                } else {
                    ours.remove(node);
                }
            }
            Map<String, String> out = new HashMap<>();
            out.put(HarvesterUpgrade.PAUSE_MAP, HarvesterUpgrade.pauseMapJson(pauseMap));
            out.put(Bookkeeping.PAUSED_NODES, ours.isEmpty() ? null : String.join(",", ours));
            return out;
        });
    }

    private Map<String, String> preDrainByMachine() {
        Map<String, String> out = new HashMap<>();
        for (Secret s : view.planSecrets()) {
            Map<String, String> a = s.getMetadata().getAnnotations();
            Map<String, String> l = s.getMetadata().getLabels();
            if (a != null && l != null && a.get(Names.RANCHER_PRE_DRAIN) != null
                    && l.get(Names.RANCHER_MACHINE_NAME_LABEL) != null) {
                out.put(l.get(Names.RANCHER_MACHINE_NAME_LABEL), a.get(Names.RANCHER_PRE_DRAIN));
            }
        }
        return out;
    }
}
