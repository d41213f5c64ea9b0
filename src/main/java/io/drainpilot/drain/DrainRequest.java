package io.drainpilot.drain;

import io.fabric8.kubernetes.api.model.Node;

import java.util.List;

/**
 * One node that some signal asks DrainPilot to evacuate.
 *
 * @param node       the Node as read in this scan
 * @param signals    which signals ask for it, in words (for logs and Events)
 * @param cancel     {@code drainpilot.io/cancel: "true"} is set: stop, start nothing
 * @param rancherHook the machine-plan Secret to release, when a Rancher pre-drain hook asked
 * @param context    what this scan read of the cluster, shared by all its requests
 */
public record DrainRequest(Node node, List<String> signals, boolean cancel, RancherHook rancherHook,
        ScanContext context) {

    public String nodeName() {
        return node.getMetadata().getName();
    }

    /** A Rancher pre-drain: released by copying {@code preDrain} into our hook annotation. */
    public record RancherHook(String namespace, String secretName, String preDrain, boolean released) {
    }
}
