package io.drainpilot.deploy;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * The deployments carry exactly the files of config/ and routes/: the kustomize base generates its ConfigMaps
 * (configMapGenerator) from copies in docker/kubernetes/files/, the Helm chart its routes ConfigMap from
 * docker/chart/drainpilot/files/routes/. When this fails, run docker/sync-files.sh and commit the result.
 */
class ConfigMapsMatchFilesTest {
    static final String REGENERATE = "out of date: run docker/sync-files.sh and commit the result";
    static final Path FILES = Manifests.DIR.resolve("files");

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

    /** The data of a generated ConfigMap of the kustomize base: each listed file, under its file name. */
    static Map<String, String> data(String name) {
        Map<String, Object> k = Manifests.load(Manifests.DIR.resolve("kustomization.yaml")).get(0);
        Map<String, Object> generator = Manifests.list(k, "configMapGenerator").stream()
                .filter(g -> name.equals(g.get("name"))).findFirst()
                .orElseThrow(() -> new AssertionError("no configMapGenerator " + name));
        assertThat(generator.get("namespace")).as("namespace of ConfigMap %s", name).isEqualTo("drainpilot");
        Map<String, String> data = new TreeMap<>();
        for (String file : Manifests.strings(generator, "files")) {
            Path p = Manifests.DIR.resolve(file);
            try {
                data.put(p.getFileName().toString(), Files.readString(p));
            } catch (IOException e) {
                throw new AssertionError(name + " lists " + file + ", which cannot be read: " + REGENERATE, e);
            }
        }
        return data;
    }

    @Test
    void configConfigMapHoldsEveryFileOfConfig() throws IOException {
        Map<String, String> files = configFiles();
        assertThat(files).containsKeys("application.properties", "logback.xml");
        assertThat(data("drainpilot-config")).as("drainpilot-config " + REGENERATE).isEqualTo(files);
    }

    @Test
    void routesConfigMapHoldsEveryRouteFile() throws IOException {
        Map<String, String> files = routeFiles();
        assertThat(files).isNotEmpty();
        assertThat(data("drainpilot-routes")).as("drainpilot-routes " + REGENERATE).isEqualTo(files);
        assertThat(files(HelmChart.DIR.resolve("files/routes"), n -> true)).as("chart routes " + REGENERATE)
                .isEqualTo(files);
    }

    @Test
    void routesDirectoryHoldsOnlyRouteFiles() throws IOException {
        // a routes/ file that is not *.camel.yaml would be neither loaded (routesIncludePattern) nor deployed
        assertThat(files(Path.of("routes"), n -> !n.endsWith(".camel.yaml"))).as("other files in routes/").isEmpty();
    }

    /**
     * kustomize itself (kubectl's built-in, where kubectl is installed): the ConfigMaps carry a content hash in
     * their names, the Deployment mounts those names, and a changed file changes the name, so the pods roll.
     */
    @Test
    void kustomizeGeneratesHashedConfigMapsTheDeploymentMounts() throws Exception {
        List<Map<String, Object>> docs = kustomize(Manifests.DIR);
        Map<String, Object> config = generated(docs, "drainpilot-config");
        Map<String, Object> routes = generated(docs, "drainpilot-routes");
        assertThat(Manifests.map(config, "data")).isEqualTo(new TreeMap<>(configFiles()));
        assertThat(Manifests.map(routes, "data")).isEqualTo(new TreeMap<>(routeFiles()));
        Map<String, Object> pod = Manifests.map(Manifests.one(docs, "Deployment", "drainpilot"), "spec.template.spec");
        assertThat(Manifests.list(pod, "volumes")).extracting(v -> Manifests.map(v, "configMap").get("name"))
                .contains(Manifests.name(config), Manifests.name(routes));
        // the rendered base passes the same checks as its files
        assertThat(RbacCoversApiCallsTest.problems(docs, RbacCoversApiCallsTest.needed())).isEmpty();
        assertThat(new AdmissionPolicies(docs).names()).hasSize(6);
    }

    @Test
    void aChangedSettingChangesTheConfigMapName(@org.junit.jupiter.api.io.TempDir Path copy) throws Exception {
        copyTree(Manifests.DIR, copy);
        String before = Manifests.name(generated(kustomize(copy), "drainpilot-config"));
        Path props = copy.resolve("files/config/application.properties");
        Files.writeString(props, Files.readString(props) + "\ndrainpilot.poll.period = 9s\n");
        assertThat(Manifests.name(generated(kustomize(copy), "drainpilot-config"))).isNotEqualTo(before);
    }

    private static Map<String, Object> generated(List<Map<String, Object>> docs, String prefix) {
        List<Map<String, Object>> found = Manifests.ofKind(docs, "ConfigMap").stream()
                .filter(d -> Manifests.name(d).startsWith(prefix + "-")).toList();
        assertThat(found).as("generated ConfigMap %s-<hash>", prefix).hasSize(1);
        return found.get(0);
    }

    /** {@code kubectl kustomize DIR}; the test is skipped where kubectl is not installed. */
    static List<Map<String, Object>> kustomize(Path dir) throws Exception {
        Path kubectl = Stream.of("/usr/bin/kubectl", "/usr/local/bin/kubectl").map(Path::of)
                .filter(Files::isExecutable).findFirst().orElse(null);
        assumeThat(kubectl).as("kubectl installed (its built-in kustomize)").isNotNull();
        Process p = new ProcessBuilder(kubectl.toString(), "kustomize", dir.toString()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("kubectl kustomize: %s", err).isZero();
        return Manifests.parse(out);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        List<Path> all = new ArrayList<>();
        try (Stream<Path> s = Files.walk(from)) {
            s.forEach(all::add);
        }
        for (Path p : all) {
            Path target = to.resolve(from.relativize(p).toString());
            if (Files.isDirectory(p)) {
                Files.createDirectories(target);
            } else {
                Files.copy(p, target);
            }
        }
    }
}
