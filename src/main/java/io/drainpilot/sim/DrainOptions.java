package io.drainpilot.sim;

import io.fabric8.kubernetes.client.utils.Serialization;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Rancher's {@code rkev1.DrainOptions} of a machine pool and the string it writes into
 * {@code rke.cattle.io/drain-options}, {@code rke.cattle.io/pre-drain} and {@code rke.cattle.io/post-drain}: the
 * options encoded to a map (empty optional fields left out) and marshalled with sorted keys, so every node of a pool
 * gets the same string.
 */
record DrainOptions(boolean enabled, boolean force, Boolean ignoreDaemonSets, boolean ignoreErrors,
                    boolean deleteEmptyDirData, boolean disableEviction, int gracePeriod, int timeout,
                    int skipWaitForDeleteTimeoutSeconds, List<String> preDrainHooks, List<String> postDrainHooks) {

    static DrainOptions of(Map<String, Object> map) {
        return new DrainOptions(bool(map.get("enabled")), bool(map.get("force")),
                map.get("ignoreDaemonSets") == null ? null : bool(map.get("ignoreDaemonSets")),
                bool(map.get("ignoreErrors")), bool(map.get("deleteEmptyDirData")), bool(map.get("disableEviction")),
                integer(map.get("gracePeriod")), integer(map.get("timeout")),
                integer(map.get("skipWaitForDeleteTimeoutSeconds")),
                hooks(map.get("preDrainHooks")), hooks(map.get("postDrainHooks")));
    }

    /** The JSON Rancher writes; a single-machine cluster gets {@code enabled: false} (hooks still run). */
    String json(boolean disable) {
        Map<String, Object> m = new TreeMap<>();
        m.put("enabled", enabled && !disable);
        m.put("force", force);
        if (ignoreDaemonSets != null) {
            m.put("ignoreDaemonSets", ignoreDaemonSets);
        }
        if (ignoreErrors) {
            m.put("ignoreErrors", true);
        }
        m.put("deleteEmptyDirData", deleteEmptyDirData);
        m.put("disableEviction", disableEviction);
        m.put("gracePeriod", gracePeriod);
        m.put("timeout", timeout);
        m.put("skipWaitForDeleteTimeoutSeconds", skipWaitForDeleteTimeoutSeconds);
        if (!preDrainHooks.isEmpty()) {
            m.put("preDrainHooks", preDrainHooks.stream().map(h -> Map.of("annotation", h)).toList());
        }
        if (!postDrainHooks.isEmpty()) {
            m.put("postDrainHooks", postDrainHooks.stream().map(h -> Map.of("annotation", h)).toList());
        }
        return Serialization.asJson(m);
    }

    /** Parses what {@link #json} wrote (Rancher's machine-drain controller reads the hooks back from it). */
    static DrainOptions parse(String json) {
        return of(HarvesterView.asMap(Serialization.unmarshal(json, Map.class)));
    }

    private static boolean bool(Object o) {
        return o instanceof Boolean b ? b : Boolean.parseBoolean(String.valueOf(o));
    }

    private static int integer(Object o) {
        return o instanceof Number n ? n.intValue() : 0;
    }

    private static List<String> hooks(Object o) {
        List<String> hooks = new ArrayList<>();
        if (o instanceof List<?> list) {
            for (Object h : list) {
                Object annotation = HarvesterView.asMap(h).get("annotation");
                if (annotation != null && !String.valueOf(annotation).isEmpty()) {
                    hooks.add(String.valueOf(annotation));
                }
            }
        }
        return List.copyOf(hooks);
    }
}
