package io.drainpilot.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.mockwebserver.crud.Attribute;
import io.fabric8.mockwebserver.crud.AttributeSet;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * A list's {@code limit} and {@code continue}, as the API server pages a list: items in key order (namespace, then
 * name), at most {@code limit} per page, and while items remain a continue token naming the list's resourceVersion
 * and the last key served, plus {@code remainingItemCount}. A malformed limit or token is 400 BadRequest.
 */
record ListPage(long limit, long tokenResourceVersion, String after) {
    private static final ObjectMapper JSON = new ObjectMapper();

    static ListPage of(String limit, String continueToken) {
        long l = 0;
        if (limit != null && !limit.isEmpty()) {
            try {
                l = Long.parseLong(limit);
            } catch (NumberFormatException e) {
                throw new BadRequest("limit: Invalid value: \"" + limit + "\": must be an integer");
            }
            if (l < 0) {
                throw new BadRequest("limit: Invalid value: " + l + ": must be greater than or equal to 0");
            }
        }
        if (continueToken == null || continueToken.isEmpty()) {
            return new ListPage(l, -1, null);
        }
        try {
            JsonNode t = JSON.readTree(Base64.getUrlDecoder().decode(continueToken));
            return new ListPage(l, t.path("rv").asLong(-1), t.path("start").asText());
        } catch (Exception e) {
            throw new BadRequest("continue key is not valid: " + e.getMessage());
        }
    }

    boolean unlimited() {
        return limit == 0 && after == null;
    }

    /** The sort key of a stored object: namespace and name, as the server's storage keys order them. */
    static String keyOf(AttributeSet key) {
        return value(key.getAttribute("namespace")) + "/" + value(key.getAttribute("name"));
    }

    /** This page of {@code items} (sort key -> JSON), with the continue token when more remain. */
    String compose(List<Map.Entry<String, String>> items, long committed, String kind, String apiVersion) {
        long rv = tokenResourceVersion >= 0 ? tokenResourceVersion : committed;
        List<Map.Entry<String, String>> rest = items.stream().sorted(Map.Entry.comparingByKey(Comparator.naturalOrder()))
                .filter(e -> after == null || e.getKey().compareTo(after) > 0).toList();
        List<Map.Entry<String, String>> page = limit > 0 && rest.size() > limit ? rest.subList(0, (int) limit) : rest;
        StringBuilder sb = new StringBuilder("{\"apiVersion\":\"" + apiVersion + "\",\"kind\":\"" + kind
                + "\",\"items\":[");
        for (int i = 0; i < page.size(); i++) {
            sb.append(i == 0 ? "" : ",").append(page.get(i).getValue());
        }
        ObjectNode metadata = JSON.createObjectNode().put("resourceVersion", String.valueOf(rv));
        if (page.size() < rest.size()) {
            ObjectNode token = JSON.createObjectNode().put("v", "meta.k8s.io/v1").put("rv", rv)
                    .put("start", page.get(page.size() - 1).getKey());
            metadata.put("continue", Base64.getUrlEncoder().encodeToString(token.toString().getBytes(StandardCharsets.UTF_8)));
            metadata.put("remainingItemCount", rest.size() - page.size());
        }
        return sb.append("],\"metadata\":").append(metadata).append('}').toString();
    }

    private static String value(Attribute a) {
        return a == null || a.getValues().isEmpty() ? "" : String.valueOf(a.getValues().get(0));
    }
}
