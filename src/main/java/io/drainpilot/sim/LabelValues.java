package io.drainpilot.sim;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The API server's validation of label values on every write ({@code metadata.labels}): at most 63 characters,
 * alphanumerics, '-', '_' and '.', starting and ending alphanumeric (or empty). A write breaking it gets 422 Invalid
 * naming the value, as {@code apimachinery/pkg/util/validation.IsValidLabelValue} says. fabric8's CRUD mock has no
 * validation at all. Covers create and replace bodies and the label operations of JSON and merge patches.
 */
final class LabelValues {
    private static final Pattern VALUE = Pattern.compile("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");

    private LabelValues() {
    }

    static Optional<String> problem(String value) {
        if (value.length() > 63) {
            return Optional.of("metadata.labels: Invalid value: \"" + value + "\": must be no more than 63 characters");
        }
        if (!VALUE.matcher(value).matches()) {
            return Optional.of("metadata.labels: Invalid value: \"" + value + "\": a valid label must be an empty string"
                    + " or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an"
                    + " alphanumeric character");
        }
        return Optional.empty();
    }

    /** An object body (create, replace, merge patch): its metadata.labels. */
    static Optional<String> inObject(JsonNode body) {
        JsonNode labels = body == null ? null : body.path("metadata").path("labels");
        if (labels == null || !labels.isObject()) {
            return Optional.empty();
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = labels.fields(); it.hasNext(); ) {
            JsonNode v = it.next().getValue();
            if (v.isTextual()) {
                Optional<String> p = problem(v.asText());
                if (p.isPresent()) {
                    return p;
                }
            }
        }
        return Optional.empty();
    }

    /** A JSON patch: its add/replace operations on a label or on the whole label map. */
    static Optional<String> inJsonPatch(JsonNode ops) {
        if (ops == null || !ops.isArray()) {
            return Optional.empty();
        }
        for (JsonNode op : ops) {
            String kind = op.path("op").asText();
            String path = op.path("path").asText();
            if (!kind.equals("add") && !kind.equals("replace")) {
                continue;
            }
            JsonNode value = op.path("value");
            if (path.startsWith("/metadata/labels/") && value.isTextual()) {
                Optional<String> p = problem(value.asText());
                if (p.isPresent()) {
                    return p;
                }
            } else if (path.equals("/metadata/labels") || path.equals("/metadata")) {
                JsonNode wrapped = path.equals("/metadata") ? value : com.fasterxml.jackson.databind.node.JsonNodeFactory
                        .instance.objectNode().set("labels", value);
                Optional<String> p = inObject(com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode()
                        .set("metadata", wrapped));
                if (p.isPresent()) {
                    return p;
                }
            }
        }
        return Optional.empty();
    }
}
