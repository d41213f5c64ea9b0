package io.drainpilot.config;

/**
 * DrainPilot's version: the jar manifest's {@code Implementation-Version} (the Maven project version, written by the
 * assembly plugin); run from classes (tests, an IDE) there is no manifest, and the version is {@value #UNKNOWN}.
 */
public final class BuildVersion {
    public static final String UNKNOWN = "dev";

    private BuildVersion() {
    }

    public static String current() {
        String v = BuildVersion.class.getPackage().getImplementationVersion();
        return v == null || v.isBlank() ? UNKNOWN : v;
    }
}
