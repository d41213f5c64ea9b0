package io.drainpilot.sim;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.mockwebserver.crud.Attribute;
import io.fabric8.mockwebserver.crud.AttributeSet;

import java.util.function.Supplier;

/**
 * What a list or a watch asks for: one resource (group, version, plural), optionally one namespace, a label
 * selector and a field selector, and for a watch where to start ({@code resourceVersion}) and how long it may last
 * ({@code timeoutSeconds}). Matches the store's keys: the CRUD store keeps an object's group as {@code api}
 * (absent for the core group), its labels as {@code labels:<key>}, name and namespace as such.
 */
record ResourceQuery(String group, String version, String plural, String namespace, LabelSelection labels,
                     FieldSelection fields, SelectableFields selectable, String resourceVersion, Long timeoutSeconds,
                     boolean metadataOnly) {

    /** The media type a client sends in {@code Accept} for metadata only (kubectl, client-go's metadata client). */
    static final String PARTIAL_METADATA = "as=PartialObjectMetadata";

    /**
     * @param selectable the field labels the resource supports
     * @throws BadRequest for a selector the server would refuse
     */
    static ResourceQuery of(ApiPath path, SelectableFields selectable) {
        return of(path, selectable, null);
    }

    /**
     * @param accept the request's {@code Accept} header: asking for {@code PartialObjectMetadata} (group
     *               {@code meta.k8s.io}, v1) gets every object as its metadata only, as a real server answers
     */
    static ResourceQuery of(ApiPath path, SelectableFields selectable, String accept) {
        FieldSelection fields = FieldSelection.parse(path.query().get("fieldSelector"));
        if (path.name() != null) {
            // a watch on an object's own path is a watch with a name selector
            fields = fields.and(new FieldSelection.Term(SelectableFields.NAME, FieldSelection.Operator.EQUALS, path.name()));
        }
        for (FieldSelection.Term t : fields.terms()) {
            selectable.check(t.label());
        }
        LabelSelection labels = LabelSelection.parse(path.query().get("labelSelector"));
        String rv = path.query().get("resourceVersion");
        if (rv != null && !rv.isEmpty()) {
            try {
                if (Long.parseLong(rv) < 0) {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                throw new BadRequest("resourceVersion: Invalid value: \"" + rv + "\": must be a non-negative integer");
            }
        }
        Long timeout = null;
        String t = path.query().get("timeoutSeconds");
        if (t != null && !t.isEmpty()) {
            try {
                timeout = Long.parseLong(t);
            } catch (NumberFormatException e) {
                throw new BadRequest("timeoutSeconds: Invalid value: \"" + t + "\": must be an integer");
            }
        }
        return new ResourceQuery(path.group() == null ? "" : path.group(), path.version(), path.resource(),
                path.namespace(), labels, fields, selectable, rv, timeout,
                accept != null && accept.contains(PARTIAL_METADATA) && accept.contains("g=meta.k8s.io"));
    }

    /** The object as this query's client receives it: whole, or its metadata only. */
    String render(String objectJson) {
        return metadataOnly ? partialMetadata(objectJson) : objectJson;
    }

    /** An object as {@code PartialObjectMetadata}: its metadata, nothing else. */
    static String partialMetadata(String objectJson) {
        JsonNode node = StoreChange.parse(objectJson);
        com.fasterxml.jackson.databind.node.ObjectNode partial = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance
                .objectNode().put("kind", "PartialObjectMetadata").put("apiVersion", "meta.k8s.io/v1");
        partial.set("metadata", node.path("metadata"));
        return partial.toString();
    }

    /** The resource this query reads, in the form {@link #resourceOf(AttributeSet)} gives a stored object. */
    String resource() {
        return group + "/" + version + "/" + plural;
    }

    static String resourceOf(AttributeSet key) {
        return value(key, "api", "") + "/" + value(key, "version", "") + "/" + value(key, "plural", "");
    }

    /** Whether no resourceVersion was given, or "0": the watch starts with the current objects. */
    boolean startsFromCurrentState() {
        return resourceVersion == null || resourceVersion.isEmpty() || "0".equals(resourceVersion);
    }

    long resourceVersionNumber() {
        return Long.parseLong(resourceVersion);
    }

    /**
     * @param key    the stored object's key (its resource is not checked here)
     * @param object the object, parsed only when a field selector needs more than its name and namespace
     */
    boolean matches(AttributeSet key, Supplier<JsonNode> object) {
        if (namespace != null && !namespace.equals(value(key, "namespace", null))) {
            return false;
        }
        if (!labels.matches(k -> value(key, "labels:" + k, null))) {
            return false;
        }
        if (fields.terms().isEmpty()) {
            return true;
        }
        JsonNode[] parsed = new JsonNode[1];
        return fields.matches(label -> switch (label) {
            case SelectableFields.NAME -> value(key, "name", "");
            case SelectableFields.NAMESPACE -> value(key, "namespace", "");
            default -> {
                if (parsed[0] == null) {
                    parsed[0] = object.get();
                }
                yield selectable.value(label, parsed[0]);
            }
        });
    }

    private static String value(AttributeSet key, String attribute, String absent) {
        Attribute a = key.getAttribute(attribute);
        return a == null || a.getValues().isEmpty() ? absent : a.getValues().get(0).toString();
    }
}
