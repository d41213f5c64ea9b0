package io.drainpilot.app;

import io.fabric8.kubernetes.client.KubernetesClient;
import org.apache.camel.CamelContext;
import org.apache.camel.main.Main;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * One DrainPilot process: Camel Main with config/application.properties, the YAML routes from routes/ on disk,
 * and the beans of {@link DrainPilotConfiguration}. The command line, the demo and the tests all start it here.
 */
public final class DrainPilotRuntime implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(DrainPilotRuntime.class);
    private final Main main;
    private volatile boolean wasStarted;

    private DrainPilotRuntime(Main main) {
        this.main = main;
        main.addMainListener(new org.apache.camel.main.MainListenerSupport() {
            @Override
            public void afterStart(org.apache.camel.main.BaseMainSupport support) {
                wasStarted = true;
            }
        });
    }

    /**
     * @param configFile the properties file (must exist)
     * @param overrides  properties that win over the file (tests, demo, --dry-run)
     * @param client     the Kubernetes client to use, or null for fabric8's defaults
     */
    public static DrainPilotRuntime create(Path configFile, Map<String, String> overrides, KubernetesClient client) {
        if (!Files.isRegularFile(configFile)) {
            throw new IllegalArgumentException("configuration file " + configFile.toAbsolutePath()
                    + " not found (run from the project root, or pass --config FILE or set DRAINPILOT_CONFIG)");
        }
        warnAboutUnknownSettings(configFile, System.getenv().keySet());
        Main main = new Main();
        main.setPropertyPlaceholderLocations("file:" + configFile.toAbsolutePath());
        overrides.forEach(main::addOverrideProperty);
        main.configure().addConfiguration(DrainPilotConfiguration.class);
        if (client != null) {
            main.bind(DrainPilotConfiguration.CLIENT, client);
        }
        return new DrainPilotRuntime(main);
    }

    /** A drainpilot.* key no setting reads (a typo keeps the intended setting at its default): one WARN each. */
    static java.util.List<String> warnAboutUnknownSettings(Path configFile, java.util.Set<String> envNames) {
        java.util.Properties p = new java.util.Properties();
        try (java.io.InputStream in = Files.newInputStream(configFile)) {
            p.load(in);
        } catch (java.io.IOException e) {
            return java.util.List.of(); // Camel reports a file it cannot read
        }
        java.util.List<String> warnings = io.drainpilot.config.UnknownSettings.warnings(p.stringPropertyNames(),
                configFile.toString(), envNames, io.drainpilot.config.Settings.KNOWN_KEYS);
        warnings.forEach(w -> LOG.warn("{}", w));
        return warnings;
    }

    /** Starts the routes and returns; {@link #close()} stops them. */
    public DrainPilotRuntime start() {
        main.start();
        if (main.getCamelContext() == null || !main.getCamelContext().isStarted()) {
            throw new IllegalStateException("DrainPilot did not start; see the log above");
        }
        return this;
    }

    /** Runs until the process is told to stop (SIGTERM, Ctrl-C). */
    public void run() throws Exception {
        main.run();
    }

    /** Whether the routes had started: an error after this is a runtime error, not a failed start. */
    public boolean started() {
        return wasStarted;
    }

    /**
     * The one message an operator needs from a failed start: our own configuration message as it is, else the
     * deepest cause that says something (Camel wraps a broken route file several times; the innermost names the
     * file and line).
     */
    public static String describe(Throwable e) {
        String best = e.getMessage();
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof io.drainpilot.config.InvalidSettingException || t instanceof RouteFiles.MissingRoutesException) {
                return t.getMessage();
            }
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                best = t.getMessage();
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return best == null ? e.getClass().getSimpleName() : best;
    }

    public CamelContext context() {
        return main.getCamelContext();
    }

    public <T> T bean(String name, Class<T> type) {
        return context().getRegistry().lookupByNameAndType(name, type);
    }

    @Override
    public void close() {
        main.stop();
    }
}
