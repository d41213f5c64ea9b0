package io.drainpilot.recover;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Lets a message through the first time, then again only after a quiet period: repeated failures are told once. */
final class RepeatFilter {
    private static final int MAX_REMEMBERED = 1000;

    private final Duration quiet;
    private final Map<String, Instant> lastSeen = new ConcurrentHashMap<>();

    RepeatFilter(Duration quiet) {
        this.quiet = quiet;
    }

    boolean firstTimeRecently(String message, Instant now) {
        if (lastSeen.size() > MAX_REMEMBERED) {
            lastSeen.clear();
        }
        Instant before = lastSeen.get(message);
        if (before != null && now.isBefore(before.plus(quiet))) {
            return false;
        }
        lastSeen.put(message, now);
        return true;
    }
}
