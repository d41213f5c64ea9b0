package io.drainpilot.sim;

/** Compares KubeVirt version strings such as {@code v1.6.0} or {@code v1.3.1-rc.1}. */
final class KubeVirtVersions {
    private KubeVirtVersions() {
    }

    /** True when {@code version} is older than {@code major.minor}; an unparsable version counts as older. */
    static boolean isBefore(String version, int major, int minor) {
        if (version == null) {
            return true;
        }
        String[] parts = version.replaceFirst("^v", "").split("[.-]");
        try {
            int ma = Integer.parseInt(parts[0]);
            int mi = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
            return ma < major || (ma == major && mi < minor);
        } catch (NumberFormatException e) {
            return true;
        }
    }
}
