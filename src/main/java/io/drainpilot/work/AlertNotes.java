package io.drainpilot.work;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The alerts of one drain as kept on its node ({@code drainpilot.io/alerts}), so that its report lists them whoever
 * writes it. Bounded: at most {@link #PER_VM} per VM (the first ones and the latest, with a count of those left out), details cut
 * to {@link #DETAIL} characters, at most {@link #VMS} VMs. Pure.
 */
public final class AlertNotes {
    public static final int PER_VM = 5;
    public static final int DETAIL = 200;
    public static final int VMS = 300;
    /** The key of alerts about the node itself (no VM). */
    public static final String NODE = "";

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One alert as noted: the alert's fields ({@code attempts}: the VM's migration attempts so far when it was raised).
     * {@code omitted} counts the alerts left out before this one (only on the last entry).
     */
    @JsonInclude(JsonInclude.Include.NON_DEFAULT)
    public record Note(String at, String severity, String reason, String action, String detail, int attempts,
            int omitted) {
    }

    private AlertNotes() {
    }

    public static Map<String, List<Note>> parse(String json) {
        if (json == null || json.isBlank()) {
            return new TreeMap<>();
        }
        try {
            return new TreeMap<>(JSON.readValue(json, new TypeReference<Map<String, List<Note>>>() { }));
        } catch (Exception e) {
            return new TreeMap<>();
        }
    }

    public static String toJson(Map<String, List<Note>> notes) {
        try {
            return JSON.writeValueAsString(new TreeMap<>(notes));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The key an alert is noted under: {@code ns/name}, or {@link #NODE}. */
    public static String keyOf(Alert alert) {
        return alert.vm() == null ? NODE : alert.namespace() + "/" + alert.vm();
    }

    /** The notes with the alert added (within the bounds), or null when nothing changes (a repeat, or full). */
    public static String with(String json, Alert alert) {
        Map<String, List<Note>> notes = parse(json);
        String key = keyOf(alert);
        List<Note> list = new ArrayList<>(notes.getOrDefault(key, List.of()));
        if (list.isEmpty() && notes.size() >= VMS) {
            return null;
        }
        String detail = alert.detail() == null ? null
                : alert.detail().length() > DETAIL ? alert.detail().substring(0, DETAIL - 3) + "..." : alert.detail();
        Note note = new Note(alert.at(), alert.severity(), alert.reason(), alert.action(), detail, alert.attempts(), 0);
        if (list.contains(note)) {
            return null; // the same alert told again (a redelivery)
        }
        if (list.size() >= PER_VM) {
            // the latest alert (the fallback, say) always stays: it replaces the last one kept, which is counted
            Note last = list.get(list.size() - 1);
            list.set(list.size() - 1, new Note(note.at(), note.severity(), note.reason(), note.action(), note.detail(),
                    note.attempts(), last.omitted() + 1));
        } else {
            list.add(note);
        }
        notes.put(key, list);
        return toJson(notes);
    }
}
