package io.drainpilot.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.Watcher.Action;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.crud.AttributeSet;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * One change of the store as watches see it: the object before and after (store keys and JSON) at the
 * resourceVersion the change was given. A creation has nothing before, a deletion nothing after; a deletion's
 * "before" already carries the deletion's resourceVersion, as the object of a real DELETED event does.
 */
final class StoreChange {
    private final long resourceVersion;
    private final String resource;
    private final AttributeSet beforeKey;
    private final String before;
    private final AttributeSet afterKey;
    private final String after;
    private String beforeAtThisVersion;

    StoreChange(long resourceVersion, String resource, AttributeSet beforeKey, String before, AttributeSet afterKey,
                String after) {
        this.resourceVersion = resourceVersion;
        this.resource = resource;
        this.beforeKey = before == null ? null : beforeKey;
        this.before = before;
        this.afterKey = after == null ? null : afterKey;
        this.after = after;
        if (after == null) {
            beforeAtThisVersion = before;
        }
    }

    long resourceVersion() {
        return resourceVersion;
    }

    String resource() {
        return resource;
    }

    /**
     * The event a watch with this query gets for this change, as the API server decides it: an object entering the
     * watch's selection is ADDED, one staying in it MODIFIED, one leaving it (or deleted) DELETED with its last state
     * at this resourceVersion; null when the change is outside the selection before and after.
     */
    String frameFor(ResourceQuery query) {
        boolean was = before != null && query.matches(beforeKey, () -> parse(before));
        boolean is = after != null && query.matches(afterKey, () -> parse(after));
        if (was && is) {
            return frame(Action.MODIFIED, query.render(after));
        }
        if (is) {
            return frame(Action.ADDED, query.render(after));
        }
        return was ? frame(Action.DELETED, query.render(beforeAtThisVersion())) : null;
    }

    static String frame(Action type, String objectJson) {
        return "{\"type\":\"" + type.name() + "\",\"object\":" + objectJson + "}";
    }

    /** The object's JSON with its metadata.resourceVersion set to the given one. */
    static String atResourceVersion(String json, long resourceVersion) {
        JsonNode node = parse(json);
        if (node.path("metadata") instanceof ObjectNode metadata) {
            metadata.put("resourceVersion", String.valueOf(resourceVersion));
        }
        return Serialization.asJson(node);
    }

    private synchronized String beforeAtThisVersion() {
        if (beforeAtThisVersion == null) {
            beforeAtThisVersion = atResourceVersion(before, resourceVersion);
        }
        return beforeAtThisVersion;
    }

    static JsonNode parse(String json) {
        try {
            return Serialization.jsonMapper().readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
