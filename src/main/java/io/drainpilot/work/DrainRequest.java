package io.drainpilot.work;

import io.fabric8.kubernetes.api.model.Node;

import java.util.List;

/**
 * One node that some signal asks DrainPilot to evacuate, as the cluster view shows it now.
 *
 * @param node        the Node from the view
 * @param signals     which signals ask for it, in words (for logs and Events)
 * @param cancel      {@code drainpilot.io/cancel: "true"} is set: stop, start nothing
 * @param rancherHook the machine-plan Secret to release, when a Rancher pre-drain hook asked
 */
public record DrainRequest(Node node, List<String> signals, boolean cancel, RancherHook rancherHook) {

    public String nodeName() {
        return node.getMetadata().getName();
    }

    /**
     * A Rancher pre-drain: released by copying {@code preDrain} into our hook annotation. {@code preDrain} is null
     * while the drain is only announced (Rancher set its drain options and cordoned the node, and asks the pre-drain
     * hooks next): the evacuation starts, the release waits for the value to answer with.
     */
    public record RancherHook(String namespace, String secretName, String preDrain, boolean released) {
        public boolean announced() {
            return preDrain == null;
        }
    }
}
