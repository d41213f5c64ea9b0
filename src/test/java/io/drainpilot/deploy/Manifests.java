package io.drainpilot.deploy;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * The Kubernetes manifests in docker/kubernetes/, parsed as plain maps (snakeyaml, on the classpath through
 * fabric8's jackson-dataformat-yaml). Tests run with the project root as working directory (surefire config).
 */
final class Manifests {
    static final Path DIR = Path.of("docker", "kubernetes");

    private Manifests() {
    }

    /** Every document of every *.yaml file except kustomization.yaml. */
    static List<Map<String, Object>> all() {
        List<Map<String, Object>> docs = new ArrayList<>();
        try (Stream<Path> files = Files.list(DIR)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".yaml"))
                    .filter(p -> !p.getFileName().toString().equals("kustomization.yaml")).sorted().toList()) {
                docs.addAll(load(f));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return docs;
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> load(Path file) {
        Yaml yaml = new Yaml(new SafeConstructor(new LoaderOptions()));
        List<Map<String, Object>> docs = new ArrayList<>();
        try {
            for (Object doc : yaml.loadAll(Files.readString(file))) {
                if (doc != null) {
                    docs.add((Map<String, Object>) doc);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return docs;
    }

    /** Every document of a multi-document YAML text (helm template's output). */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> parse(String text) {
        Yaml yaml = new Yaml(new SafeConstructor(new LoaderOptions()));
        List<Map<String, Object>> docs = new ArrayList<>();
        for (Object doc : yaml.loadAll(text)) {
            if (doc != null) {
                docs.add((Map<String, Object>) doc);
            }
        }
        return docs;
    }

    static List<Map<String, Object>> ofKind(List<Map<String, Object>> docs, String kind) {
        return docs.stream().filter(d -> kind.equals(d.get("kind"))).toList();
    }

    static Map<String, Object> one(List<Map<String, Object>> docs, String kind, String name) {
        List<Map<String, Object>> found = ofKind(docs, kind).stream().filter(d -> name.equals(name(d))).toList();
        if (found.size() != 1) {
            throw new AssertionError("expected exactly one " + kind + " " + name + " in " + DIR + ", found " + found.size());
        }
        return found.get(0);
    }

    static String name(Map<String, Object> doc) {
        return (String) map(doc, "metadata").get("name");
    }

    /** metadata.namespace, or "" when absent (cluster-scoped). */
    static String namespace(Map<String, Object> doc) {
        return Objects.toString(map(doc, "metadata").get("namespace"), "");
    }

    /** The map at a dotted path, or an empty map when absent. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Map<String, Object> from, String path) {
        Object cur = from;
        for (String key : path.split("\\.")) {
            if (!(cur instanceof Map)) {
                return Map.of();
            }
            cur = ((Map<String, Object>) cur).get(key);
        }
        return cur instanceof Map ? (Map<String, Object>) cur : Map.of();
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> list(Map<String, Object> from, String key) {
        Object v = from.get(key);
        return v instanceof List ? (List<Map<String, Object>>) v : List.of();
    }

    @SuppressWarnings("unchecked")
    static List<String> strings(Map<String, Object> from, String key) {
        Object v = from.get(key);
        return v instanceof List ? ((List<Object>) v).stream().map(String::valueOf).toList() : List.of();
    }
}
