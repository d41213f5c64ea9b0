package io.drainpilot.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks before start that the route files the flow needs are there: Camel Main starts happily with no routes at all
 * (a wrong working directory, an empty ConfigMap) or with a stage missing, and DrainPilot would then run and do
 * nothing. The ids are those of routes/*.camel.yaml that the Java wiring and the other routes send to.
 */
public final class RouteFiles {

    /** The stage routes the wiring needs, with the endpoint each one serves. */
    public static final Map<String, String> REQUIRED = required();

    private static Map<String, String> required() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("scan", "timer:drainpilot-scan");
        m.put("node-events", "seda:drainpilot-nodes");
        m.put("evacuate-node", "direct:evacuate-node");
        m.put("migrate", "direct:migrate");
        m.put("await", "timer:drainpilot-await");
        m.put("settle-migration", "direct:settle-migration");
        m.put("recovery", "direct:recovery");
        m.put("stage-error", "direct:stage-error");
        m.put("alerts", "direct:alert");
        m.put("harvester-upgrade", "seda:drainpilot-upgrade");
        return java.util.Collections.unmodifiableMap(m);
    }

    /** Thrown when the routes cannot run the flow; the message says which directory and what is missing. */
    public static final class MissingRoutesException extends IllegalStateException {
        MissingRoutesException(String message) {
            super(message);
        }
    }

    private RouteFiles() {
    }

    /**
     * @param includePattern {@code camel.main.routesIncludePattern}; only its {@code file:} patterns are checked
     * @throws MissingRoutesException when a file pattern matches no file, or a required route id is in none
     */
    public static void check(String includePattern) {
        problem(includePattern, Path.of("")).ifPresent(p -> {
            throw new MissingRoutesException(p);
        });
    }

    /** What is wrong, or empty; relative paths are resolved against {@code base}. */
    static Optional<String> problem(String includePattern, Path base) {
        if (includePattern == null || includePattern.isBlank()) {
            return Optional.of("no route files: camel.main.routesIncludePattern is not set (it should be "
                    + "file:routes/*.camel.yaml)");
        }
        List<Path> files = new ArrayList<>();
        boolean checked = false;
        for (String pattern : includePattern.split(",")) {
            pattern = pattern.trim();
            if (!pattern.startsWith("file:")) {
                continue; // classpath and other resources: Camel reports what it cannot load
            }
            checked = true;
            Path glob = Path.of(pattern.substring("file:".length()));
            Path dir = base.resolve(glob.getParent() == null ? Path.of(".") : glob.getParent()).toAbsolutePath().normalize();
            String name = glob.getFileName().toString();
            if (!Files.isDirectory(dir)) {
                return Optional.of("no route files: the routes directory " + dir + " does not exist"
                        + " (camel.main.routesIncludePattern=" + includePattern + "; run from the directory that holds"
                        + " config/ and routes/, or mount the routes ConfigMap there)");
            }
            int before = files.size();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, name)) {
                ds.forEach(files::add);
            } catch (IOException e) {
                return Optional.of("cannot read the routes directory " + dir + ": " + e.getMessage());
            }
            if (files.size() == before) {
                return Optional.of("no route files: nothing in " + dir + " matches " + name
                        + " (camel.main.routesIncludePattern=" + includePattern + ")");
            }
        }
        if (!checked) {
            return Optional.empty();
        }
        Set<String> ids = new TreeSet<>();
        YAMLMapper yaml = new YAMLMapper();
        for (Path f : files) {
            try {
                JsonNode root = yaml.readTree(f.toFile());
                if (root != null && root.isArray()) {
                    for (JsonNode item : root) {
                        JsonNode id = item.path("route").path("id");
                        if (id.isTextual()) {
                            ids.add(id.asText());
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                return Optional.empty(); // a file that does not parse: Camel names it with its line when it loads it
            }
        }
        List<String> missing = new ArrayList<>();
        REQUIRED.forEach((id, uri) -> {
            if (!ids.contains(id)) {
                missing.add(id + " (" + uri + ")");
            }
        });
        if (missing.isEmpty()) {
            return Optional.empty();
        }
        Path dir = files.get(0).getParent();
        return Optional.of("the route files in " + dir + " lack the stage route" + (missing.size() > 1 ? "s" : "")
                + " DrainPilot needs: " + String.join(", ", missing) + "; restore them from the release's routes/"
                + " (routes ops add go in files of their own, next to these)");
    }
}
