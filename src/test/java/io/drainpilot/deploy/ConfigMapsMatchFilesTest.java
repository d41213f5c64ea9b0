package io.drainpilot.deploy;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The committed ConfigMaps (docker/kubernetes/configmap-*.yaml) hold exactly the files in config/ and routes/.
 * When this fails, run docker/kubernetes/make-configmaps.sh and commit its output.
 */
class ConfigMapsMatchFilesTest {
    static final String REGENERATE = "out of date: run docker/kubernetes/make-configmaps.sh and commit the result";

    /** File name -> content of the files a ConfigMap must hold. */
    static Map<String, String> files(Path dir, Predicate<String> include) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path f : s.filter(Files::isRegularFile).filter(p -> include.test(p.getFileName().toString())).toList()) {
                out.put(f.getFileName().toString(), Files.readString(f));
            }
        }
        return out;
    }

    static Map<String, String> configFiles() throws IOException {
        return files(Path.of("config"), n -> true);
    }

    static Map<String, String> routeFiles() throws IOException {
        return files(Path.of("routes"), n -> n.endsWith(".camel.yaml"));
    }

    @SuppressWarnings("unchecked")
    static Map<String, String> data(String name) {
        Map<String, Object> cm = Manifests.one(Manifests.all(), "ConfigMap", name);
        assertThat(Manifests.namespace(cm)).as("namespace of ConfigMap %s", name).isEqualTo("drainpilot");
        assertThat(cm).as("ConfigMap %s must hold text only", name).doesNotContainKey("binaryData");
        return new TreeMap<>((Map<String, String>) cm.getOrDefault("data", Map.of()));
    }

    @Test
    void configConfigMapHoldsEveryFileOfConfig() throws IOException {
        Map<String, String> files = configFiles();
        assertThat(files).containsKeys("application.properties", "logback.xml");
        assertHolds("drainpilot-config", "config", files);
    }

    @Test
    void routesConfigMapHoldsEveryRouteFile() throws IOException {
        Map<String, String> files = routeFiles();
        assertThat(files).isNotEmpty();
        assertHolds("drainpilot-routes", "routes", files);
    }

    /** The ConfigMap has exactly the files of {@code dir}, each with the same content. */
    private static void assertHolds(String configMap, String dir, Map<String, String> files) {
        Map<String, String> data = data(configMap);
        assertThat(data.keySet()).as(configMap + " keys " + REGENERATE).isEqualTo(files.keySet());
        files.forEach((f, content) -> assertThat(data.get(f)).as("%s/%s in %s %s", dir, f, configMap, REGENERATE)
                .isEqualTo(content));
    }

    @Test
    void routesDirectoryHoldsOnlyRouteFiles() throws IOException {
        // a routes/ file that is not *.camel.yaml would be neither loaded (routesIncludePattern) nor deployed
        assertThat(files(Path.of("routes"), n -> !n.endsWith(".camel.yaml"))).as("other files in routes/").isEmpty();
    }
}
