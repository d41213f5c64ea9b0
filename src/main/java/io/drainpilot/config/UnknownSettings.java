package io.drainpilot.config;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code drainpilot.*} keys (in the properties file) and {@code DRAINPILOT_*} environment variables that no setting
 * reads: usually a typo, so the intended setting silently keeps its default. Each is named with where it came from,
 * and the nearest known key when one is close. Never quotes a value (a webhook URL may hold a token). Pure.
 */
public final class UnknownSettings {
    /** Environment variables of the DRAINPILOT_ family that are not settings keys. */
    public static final Set<String> OTHER_ENV = Set.of("DRAINPILOT_CONFIG");

    private UnknownSettings() {
    }

    /**
     * @param fileKeys the keys of the properties file
     * @param file     how to name the file in the message (its path)
     * @param envNames the names of the process's environment variables
     * @param known    every key DrainPilot reads ({@link Settings#KNOWN_KEYS})
     * @return one warning per unknown key, file keys first, each sorted
     */
    public static List<String> warnings(Collection<String> fileKeys, String file, Collection<String> envNames,
            Set<String> known) {
        List<String> out = new ArrayList<>();
        for (String key : new TreeSet<>(fileKeys)) {
            if (key.startsWith("drainpilot.") && !known.contains(key)) {
                out.add("Unknown setting " + key + " in " + file + ": no setting reads it, so it is ignored"
                        + nearest(key, known).map(k -> "; did you mean " + k + "?").orElse(""));
            }
        }
        Set<String> knownEnv = new TreeSet<>();
        known.forEach(k -> knownEnv.add(Settings.envName(k)));
        for (String env : new TreeSet<>(envNames)) {
            if (env.startsWith("DRAINPILOT_") && !knownEnv.contains(env) && !OTHER_ENV.contains(env)) {
                out.add("Unknown setting in environment variable " + env + ": no setting reads it, so it is ignored"
                        + nearest(env, knownEnv).map(k -> "; did you mean " + k + "?").orElse(""));
            }
        }
        return out;
    }

    /** The known name closest to a misspelt one, if it is a near miss (a few edits away). */
    static java.util.Optional<String> nearest(String name, Collection<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : new TreeSet<>(known)) {
            int d = distance(name, k);
            if (d < bestDistance) {
                best = k;
                bestDistance = d;
            }
        }
        int allowed = Math.max(2, name.length() / 8);
        return bestDistance <= allowed ? java.util.Optional.of(best) : java.util.Optional.empty();
    }

    /** Levenshtein distance. */
    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
