package io.drainpilot.deploy;

import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.PluginHelper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A ConfigMap volume is not a plain directory: the kubelet writes the files into a hidden timestamped directory,
 * points {@code ..data} at it and makes each key a symlink {@code key -> ..data/key}. The routes pattern of
 * config/application.properties must find each route exactly once in that layout (not zero times because of the
 * symlinks, not twice through {@code ..data} or the timestamped directory), or the Deployment would start with no
 * routes or fail on duplicate route ids.
 */
class ConfigMapVolumeLayoutTest {

    @Test
    void routesPatternFindsEachRouteOnceInAConfigMapVolume(@TempDir Path app) throws Exception {
        Path routes = app.resolve("routes");
        Path payload = routes.resolve("..2026_11_26_21_00_00.123456789");
        Files.createDirectories(payload);
        Collection<String> names = ConfigMapsMatchFilesTest.routeFiles().keySet();
        for (String name : names) {
            Files.writeString(payload.resolve(name), "# " + name + "\n");
        }
        Files.createSymbolicLink(routes.resolve("..data"), payload.getFileName());
        for (String name : names) {
            Files.createSymbolicLink(routes.resolve(name), Path.of("..data", name));
        }

        Properties props = new Properties();
        try (var in = Files.newInputStream(Path.of("config", "application.properties"))) {
            props.load(in);
        }
        String pattern = props.getProperty("camel.main.routesIncludePattern").trim();
        assertThat(pattern).startsWith("file:routes/");
        String absolute = "file:" + app.resolve(pattern.substring("file:".length()));

        try (CamelContext ctx = new DefaultCamelContext()) {
            Collection<Resource> found = PluginHelper.getPackageScanResourceResolver(ctx).findResources(absolute);
            assertThat(found).extracting(r -> Path.of(r.getLocation().replaceFirst("^file:", "")).getFileName().toString())
                    .containsExactlyInAnyOrderElementsOf(names);
        }
    }
}
