package io.drainpilot.sim;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A Kubernetes API request path taken apart: {@code /api/v1/...} or {@code /apis/<group>/<version>/...},
 * optionally {@code namespaces/<ns>/}, then {@code <resource>[/<name>[/<subresource>]]} and a query.
 * Group is empty for the core API; absent parts are null.
 */
record ApiPath(String group, String version, String namespace, String resource, String name, String subresource,
               Map<String, String> query) {

    static ApiPath parse(String rawPath) {
        int q = rawPath.indexOf('?');
        String path = q < 0 ? rawPath : rawPath.substring(0, q);
        Map<String, String> query = q < 0 ? Map.of() : parseQuery(rawPath.substring(q + 1));
        String[] s = Arrays.stream(path.split("/")).filter(p -> !p.isEmpty()).toArray(String[]::new);
        int i;
        String group;
        String version;
        if (s.length >= 2 && s[0].equals("api")) {
            group = "";
            version = s[1];
            i = 2;
        } else if (s.length >= 3 && s[0].equals("apis")) {
            group = s[1];
            version = s[2];
            i = 3;
        } else {
            return new ApiPath(null, null, null, s.length > 0 ? s[0] : "", null, null, query);
        }
        String namespace = null;
        // "namespaces/<ns>/<resource>..." is namespaced; "namespaces[/<ns>]" alone is the Namespace kind
        if (s.length - i >= 3 && s[i].equals("namespaces")) {
            namespace = s[i + 1];
            i += 2;
        }
        String resource = i < s.length ? s[i] : null;
        String name = i + 1 < s.length ? s[i + 1] : null;
        String sub = i + 2 < s.length ? s[i + 2] : null;
        return new ApiPath(group, version, namespace, resource, name, sub, query);
    }

    /** "resource" or "resource/subresource", the unit request counts are kept by. */
    String kind() {
        String r = resource == null ? "(root)" : resource;
        return subresource == null ? r : r + "/" + subresource;
    }

    boolean isWatch() {
        return "true".equals(query.get("watch"));
    }

    private static Map<String, String> parseQuery(String query) {
        Map<String, String> result = new LinkedHashMap<>();
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            result.put(URLDecoder.decode(key, StandardCharsets.UTF_8), URLDecoder.decode(value, StandardCharsets.UTF_8));
        }
        return result;
    }
}
