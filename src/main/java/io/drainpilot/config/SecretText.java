package io.drainpilot.config;

import java.util.regex.Pattern;

/**
 * URLs in text meant for people (log lines, startup errors) with only their scheme, host and port left: a webhook
 * URL can carry a token in its user info, path or query, and logs are read by more people than Secrets are.
 */
public final class SecretText {
    private static final Pattern URL = Pattern.compile("([a-zA-Z][a-zA-Z0-9+.-]*://)(?:[^/\\s@]*@)?([^/\\s?#@]*)[^\\s]*");

    private SecretText() {
    }

    /** Every URL in {@code text} cut down to {@code scheme://host:port/...}. */
    public static String redactUrls(String text) {
        return text == null ? null : URL.matcher(text).replaceAll("$1$2/...");
    }
}
