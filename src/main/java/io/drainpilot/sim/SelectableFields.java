package io.drainpilot.sim;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Which field labels a {@code fieldSelector} may use for a resource, and each one's value on an object, as the real
 * API server has them: every kind has {@code metadata.name} (and {@code metadata.namespace} where namespaced, except
 * Nodes and Namespaces); Pods, Nodes, Secrets, core Events, Namespaces, Services and ReplicationControllers have
 * more; custom resources have nothing more. Any other label is refused with 400 BadRequest, worded as the server
 * words it for that kind.
 *
 * <p>Simplifications: the mock store does not default fields, so a missing field reads as the value the real server
 * would have defaulted (a Secret's {@code type} as {@code Opaque}, a Pod's {@code status.phase} as {@code Pending},
 * ...). Built-in kinds outside the core group that have extra field labels in the real server (Jobs'
 * {@code status.successful}, ReplicaSets' {@code status.replicas}, CertificateSigningRequests'
 * {@code spec.signerName}, {@code events.k8s.io} Events) are treated like any other built-in kind. Custom resource
 * definitions' {@code selectableFields} are not modelled (KubeVirt and Harvester declare none).
 */
final class SelectableFields {
    static final String NAME = "metadata.name";
    static final String NAMESPACE = "metadata.namespace";

    /** The two wordings the API server uses for a field label it does not support. */
    enum Refusal {
        /** Kinds with their own field labels and custom resources. */
        FIELD_LABEL_NOT_SUPPORTED,
        /** Every other built-in kind. */
        NOT_A_KNOWN_FIELD_SELECTOR;

        String message(String label) {
            return this == FIELD_LABEL_NOT_SUPPORTED ? "field label not supported: " + label
                    : "\"" + label + "\" is not a known field selector: only \"" + NAME + "\", \"" + NAMESPACE + "\"";
        }
    }

    /** Core kinds with field labels beyond the object's name and namespace. */
    private enum CoreKind {
        PODS("pods", true, fields(
                f("spec.nodeName", o -> text(o, "", "spec", "nodeName")),
                f("spec.restartPolicy", o -> text(o, "Always", "spec", "restartPolicy")),
                f("spec.schedulerName", o -> text(o, "default-scheduler", "spec", "schedulerName")),
                f("spec.serviceAccountName", o -> text(o, "default", "spec", "serviceAccountName")),
                f("spec.hostNetwork", o -> text(o, "false", "spec", "hostNetwork")),
                f("status.phase", o -> text(o, "Pending", "status", "phase")),
                f("status.podIP", o -> text(o.path("status").path("podIPs").path(0), text(o, "", "status", "podIP"), "ip")),
                // accepted by the server but not among a Pod's selectable fields: it always reads as empty
                f("status.podIPs", o -> ""),
                f("status.nominatedNodeName", o -> text(o, "", "status", "nominatedNodeName")))),
        NODES("nodes", false, fields(f("spec.unschedulable", o -> text(o, "false", "spec", "unschedulable")))),
        SECRETS("secrets", true, fields(f("type", o -> text(o, "Opaque", "type")))),
        EVENTS("events", true, fields(
                f("involvedObject.kind", o -> text(o, "", "involvedObject", "kind")),
                f("involvedObject.namespace", o -> text(o, "", "involvedObject", "namespace")),
                f("involvedObject.name", o -> text(o, "", "involvedObject", "name")),
                f("involvedObject.uid", o -> text(o, "", "involvedObject", "uid")),
                f("involvedObject.apiVersion", o -> text(o, "", "involvedObject", "apiVersion")),
                f("involvedObject.resourceVersion", o -> text(o, "", "involvedObject", "resourceVersion")),
                f("involvedObject.fieldPath", o -> text(o, "", "involvedObject", "fieldPath")),
                f("reason", o -> text(o, "", "reason")),
                f("reportingComponent", o -> text(o, "", "reportingComponent")),
                f("source", o -> text(o, "", "source", "component")),
                f("type", o -> text(o, "", "type")))),
        NAMESPACES("namespaces", false, fields(f("status.phase", o -> text(o, "Active", "status", "phase")))),
        SERVICES("services", true, fields(
                f("spec.clusterIP", o -> text(o, "", "spec", "clusterIP")),
                f("spec.type", o -> text(o, "ClusterIP", "spec", "type")))),
        REPLICATION_CONTROLLERS("replicationcontrollers", true,
                fields(f("status.replicas", o -> text(o, "0", "status", "replicas"))));

        private final String plural;
        private final boolean namespaceLabel;
        private final Map<String, Function<JsonNode, String>> fields;

        CoreKind(String plural, boolean namespaceLabel, Map<String, Function<JsonNode, String>> fields) {
            this.plural = plural;
            this.namespaceLabel = namespaceLabel;
            this.fields = fields;
        }
    }

    private final Set<String> metadataLabels;
    private final Map<String, Function<JsonNode, String>> objectFields;
    private final Refusal refusal;

    private SelectableFields(Set<String> metadataLabels, Map<String, Function<JsonNode, String>> objectFields,
                             Refusal refusal) {
        this.metadataLabels = metadataLabels;
        this.objectFields = objectFields;
        this.refusal = refusal;
    }

    /**
     * @param group            API group, empty for the core group
     * @param customResource   whether a custom resource definition serves it
     * @param clusterScoped    for a custom resource: whether it is cluster-scoped
     */
    static SelectableFields of(String group, String plural, boolean customResource, boolean clusterScoped) {
        if (customResource) {
            return new SelectableFields(clusterScoped ? Set.of(NAME) : Set.of(NAME, NAMESPACE), Map.of(),
                    Refusal.FIELD_LABEL_NOT_SUPPORTED);
        }
        if (group == null || group.isEmpty()) {
            for (CoreKind kind : CoreKind.values()) {
                if (kind.plural.equals(plural)) {
                    return new SelectableFields(kind.namespaceLabel ? Set.of(NAME, NAMESPACE) : Set.of(NAME),
                            kind.fields, Refusal.FIELD_LABEL_NOT_SUPPORTED);
                }
            }
        }
        return new SelectableFields(Set.of(NAME, NAMESPACE), Map.of(), Refusal.NOT_A_KNOWN_FIELD_SELECTOR);
    }

    /** @throws BadRequest when the server refuses a selector on this field label for this kind */
    void check(String label) {
        if (!metadataLabels.contains(label) && !objectFields.containsKey(label)) {
            throw new BadRequest(refusal.message(label));
        }
    }

    /** Whether the label's value must be read from the object (it is not its name or namespace). */
    boolean readsObject(String label) {
        return objectFields.containsKey(label);
    }

    String value(String label, JsonNode object) {
        return objectFields.get(label).apply(object);
    }

    private static String text(JsonNode node, String absent, String... path) {
        JsonNode n = node;
        for (String p : path) {
            n = n.path(p);
        }
        return n.isMissingNode() || n.isNull() ? absent : n.asText();
    }

    @SafeVarargs
    private static Map<String, Function<JsonNode, String>> fields(Map.Entry<String, Function<JsonNode, String>>... entries) {
        return Map.ofEntries(entries);
    }

    private static Map.Entry<String, Function<JsonNode, String>> f(String label, Function<JsonNode, String> reader) {
        return Map.entry(label, reader);
    }
}
