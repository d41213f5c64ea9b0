package io.drainpilot.drain;

import io.drainpilot.names.Bookkeeping;
import io.drainpilot.names.Names;
import io.drainpilot.work.DrainRequest;
import io.drainpilot.config.Settings;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Secret;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;

/** Pure rules: which signals on a node (and its Rancher plan Secret) ask for a drain. */
public final class DrainSignals {
    private final Settings settings;

    public DrainSignals(Settings settings) {
        this.settings = settings;
    }

    /** The signals present on this node, in words; empty when nothing asks for a drain. */
    public List<String> signalsOf(Node node, Optional<DrainRequest.RancherHook> hook) {
        List<String> found = new ArrayList<>();
        Map<String, String> ann = annotations(node);
        if (settings.signalAnnotation && "true".equals(ann.get(settings.signalAnnotationKey))) {
            found.add("annotation " + settings.signalAnnotationKey);
        }
        boolean cordoned = node.getSpec() != null && Boolean.TRUE.equals(node.getSpec().getUnschedulable());
        hook.filter(h -> !h.announced()).ifPresent(h -> found.add("Rancher pre-drain hook (Secret " + h.namespace()
                + "/" + h.secretName() + (h.released() ? ", released" : "") + ")"));
        // Rancher's drain of this node has begun (drain options set, node cordoned): start before the pre-drain, so
        // the VMs Harvester's job would stop are moving, or gone, by the time that job runs
        hook.filter(h -> h.announced() && cordoned).ifPresent(h -> found.add("Rancher drain announced (Secret "
                + h.namespace() + "/" + h.secretName() + ": " + Names.RANCHER_DRAIN_OPTIONS + " set, node cordoned)"));
        if (settings.signalHarvesterMaintenance && "true".equals(ann.get(Names.HARVESTER_DRAIN_REQUESTED))) {
            found.add("Harvester maintenance mode (" + Names.HARVESTER_DRAIN_REQUESTED + ")");
        }
        if (settings.signalDrainTaint && node.getSpec() != null && node.getSpec().getTaints() != null
                && node.getSpec().getTaints().stream().anyMatch(t -> settings.drainTaintKey.equals(t.getKey()))) {
            found.add("taint " + settings.drainTaintKey);
        }
        // DrainPilot's own cordon (set for the annotation signal) is no request: it would keep the drain alive forever
        if (settings.signalCordon && cordoned && !"true".equals(ann.get(Bookkeeping.CORDONED))) {
            found.add("cordon");
        }
        return found;
    }

    public static boolean cancelRequested(Node node) {
        return "true".equals(annotations(node).get(Names.CANCEL));
    }

    /**
     * Rancher drains by machine name: plan Secrets carrying {@code rke.cattle.io/pre-drain}, or only
     * {@code rke.cattle.io/drain-options} (announced: a drain once the node is cordoned too). A hook is released once
     * our hook annotation holds the pre-drain value; it stays a drain until Rancher clears the pre-drain. Secrets
     * without the machine label go to {@code problems}.
     */
    public Map<String, DrainRequest.RancherHook> hooksByMachine(List<Secret> planSecrets, BiConsumer<Secret, String> problems) {
        Map<String, DrainRequest.RancherHook> byMachine = new HashMap<>();
        for (Secret s : planSecrets) {
            Map<String, String> ann = s.getMetadata().getAnnotations() == null ? Map.of() : s.getMetadata().getAnnotations();
            String preDrain = ann.get(Names.RANCHER_PRE_DRAIN);
            if (preDrain == null || preDrain.isEmpty()) {
                String options = ann.get(Names.RANCHER_DRAIN_OPTIONS);
                if (options == null || options.isEmpty()) {
                    continue;
                }
                preDrain = null; // announced
            }
            String machine = s.getMetadata().getLabels() == null ? null
                    : s.getMetadata().getLabels().get(Names.RANCHER_MACHINE_NAME_LABEL);
            if (machine == null || machine.isBlank()) {
                problems.accept(s, "asks for a pre-drain but has no label " + Names.RANCHER_MACHINE_NAME_LABEL
                        + ", so its node is unknown; skipped");
                continue;
            }
            byMachine.put(machine, new DrainRequest.RancherHook(s.getMetadata().getNamespace(), s.getMetadata().getName(),
                    preDrain, preDrain != null && preDrain.equals(ann.get(settings.rancherHookAnnotation))));
        }
        return byMachine;
    }

    /** The annotation signal is on and the node's annotation asks for a drain. */
    public boolean annotationAsks(Node node) {
        return settings.signalAnnotation && "true".equals(annotations(node).get(settings.signalAnnotationKey));
    }

    static Map<String, String> annotations(Node node) {
        return node.getMetadata().getAnnotations() == null ? Map.of() : node.getMetadata().getAnnotations();
    }
}
