package io.drainpilot.plan;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A release as KubeVirt and Harvester write it ({@code v1.6.0}, {@code 1.8.0-rc.1}): its major and minor. */
public record ReleaseVersion(int major, int minor) {
    private static final Pattern VERSION = Pattern.compile("v?(\\d+)\\.(\\d+).*");

    /** Empty when the text is missing or not a version. */
    public static Optional<ReleaseVersion> parse(String version) {
        Matcher m = version == null ? null : VERSION.matcher(version.trim());
        if (m == null || !m.matches()) {
            return Optional.empty();
        }
        return Optional.of(new ReleaseVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))));
    }

    public boolean atLeast(int major, int minor) {
        return this.major > major || (this.major == major && this.minor >= minor);
    }
}
