package io.drainpilot.work;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * What happened to one VM in a drain, as kept in the node's outcome record (one entry per VM, so recording it
 * again changes nothing). Wire names are fixed.
 */
public enum Outcome {
    MIGRATED("migrated"),
    SHUTDOWN_RESTART("shutdown-restart"),
    RELEASE("release"),
    BLOCK("block"),
    /** Harvester's pre-drain job stopped it (it starts it again itself, after the node's upgrade). */
    STOPPED_BY_HARVESTER("stopped-by-harvester"),
    /** The VMI disappeared while it waited (deleted or stopped by someone else). */
    GONE("gone");

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String wire;

    Outcome(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    /** The VM left the node through its fallback policy, not a migration. */
    public boolean fellBack() {
        return this == SHUTDOWN_RESTART || this == RELEASE;
    }

    public static Outcome of(String wire) {
        return Arrays.stream(values()).filter(o -> o.wire.equals(wire)).findFirst().orElse(null);
    }

    /** The record as stored in the node annotation; unreadable entries are dropped, an unreadable record is empty. */
    public static Map<String, Outcome> parse(String json) {
        Map<String, Outcome> out = new TreeMap<>();
        if (json == null || json.isBlank()) {
            return out;
        }
        try {
            Map<String, String> raw = JSON.readValue(json, new TypeReference<Map<String, String>>() { });
            raw.forEach((k, v) -> {
                Outcome o = of(v);
                if (o != null) {
                    out.put(k, o);
                }
            });
        } catch (Exception e) {
            return out;
        }
        return out;
    }

    public static String toJson(Map<String, Outcome> outcomes) {
        Map<String, String> raw = new TreeMap<>();
        outcomes.forEach((k, v) -> raw.put(k, v.wire));
        try {
            return JSON.writeValueAsString(raw);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
