package io.drainpilot;

import io.drainpilot.app.DrainPilotRuntime;
import io.drainpilot.config.BuildVersion;
import io.drainpilot.config.ClusterConnection;
import io.drainpilot.config.ClusterUnavailableException;
import io.drainpilot.demo.Demo;
import io.drainpilot.preflight.Preflight;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Function;

/**
 * The entry point: {@code java -jar target/drainpilot.jar [--demo | --preflight [NODE] | --dry-run | --version]
 * [--config FILE]}. Exit codes are listed in {@link CommandLine#USAGE}.
 */
public final class DrainPilot {
    /** Startup failed: bad configuration, broken route file, management port in use. */
    public static final int EXIT_STARTUP_FAILED = 1;
    public static final int EXIT_USAGE = 2;
    /** DrainPilot ran, then failed. */
    public static final int EXIT_RUNTIME_ERROR = 4;
    /** No cluster configuration, or the API server is unreachable or refuses the credentials. */
    public static final int EXIT_NO_CLUSTER = 5;
    /** The logback variable choosing the appender: text or json. */
    static final String LOG_FORMAT = "DRAINPILOT_LOG_FORMAT";
    /** The logback variable choosing the console stream: System.out (the default) or System.err. */
    static final String LOG_TARGET = "DRAINPILOT_LOG_TARGET";

    private DrainPilot() {
    }

    public static void main(String[] args) {
        CommandLine cli;
        try {
            cli = CommandLine.parse(args, System::getenv);
        } catch (IllegalArgumentException e) {
            System.err.println("drainpilot: " + e.getMessage());
            System.err.print(CommandLine.USAGE);
            System.exit(EXIT_USAGE);
            return;
        }
        Optional<String> badLogFormat = useLogFormat(cli.config(), System::getenv);
        if (badLogFormat.isPresent()) {
            System.err.println("drainpilot: cannot start: " + badLogFormat.get());
            System.exit(EXIT_STARTUP_FAILED);
            return;
        }
        if (cli.output() == CommandLine.Output.JSON) {
            // standard output carries only the JSON, so it pipes into jq: logs go to standard error
            System.setProperty(LOG_TARGET, "System.err");
        }
        useLogbackConfig(cli.config());
        System.exit(run(cli));
    }

    static int run(CommandLine cli) {
        try {
            return switch (cli.mode()) {
                case HELP -> {
                    System.out.print(CommandLine.USAGE);
                    yield 0;
                }
                case VERSION -> {
                    System.out.println("drainpilot " + BuildVersion.current());
                    yield 0;
                }
                case DEMO -> Demo.run(cli.config());
                case PREFLIGHT -> {
                    requireClusterConfiguration();
                    yield Preflight.run(cli.config(), cli.node(), cli.upgrade(), cli.order(),
                            cli.output() == CommandLine.Output.JSON);
                }
                case RUN -> {
                    requireClusterConfiguration();
                    Map<String, String> overrides = new HashMap<>();
                    if (cli.dryRun()) {
                        overrides.put("drainpilot.dry-run", "true");
                    }
                    DrainPilotRuntime runtime = DrainPilotRuntime.create(cli.config(), overrides, null);
                    try {
                        runtime.run();
                    } catch (Exception e) {
                        if (runtime.started()) {
                            System.err.println("drainpilot: stopped by an error: " + DrainPilotRuntime.describe(e));
                            yield EXIT_RUNTIME_ERROR;
                        }
                        throw e;
                    }
                    yield 0;
                }
            };
        } catch (ClusterUnavailableException e) {
            System.err.println("drainpilot: " + e.getMessage());
            return EXIT_NO_CLUSTER;
        } catch (Exception e) {
            System.err.println("drainpilot: cannot start: " + DrainPilotRuntime.describe(e));
            return EXIT_STARTUP_FAILED;
        }
    }

    private static void requireClusterConfiguration() {
        ClusterConnection.missingConfiguration().ifPresent(m -> {
            throw new ClusterUnavailableException(m);
        });
    }

    /**
     * The log format must be known before the first log line: DRAINPILOT_LOG_FORMAT from the environment, else
     * drainpilot.log.format from the properties file, handed to logback as a system property of the same name.
     *
     * @return what is wrong with the value, if anything
     */
    static Optional<String> useLogFormat(Path config, Function<String, String> env) {
        String format = env.apply(LOG_FORMAT);
        String source = "env " + LOG_FORMAT;
        if (format == null || format.isBlank()) {
            format = fromFile(config, "drainpilot.log.format");
            source = "drainpilot.log.format in " + config;
        }
        if (format == null || format.isBlank()) {
            return Optional.empty();
        }
        format = format.trim();
        if (!format.equals("text") && !format.equals("json")) {
            return Optional.of("Invalid setting " + source + "=\"" + format + "\": allowed: json, text");
        }
        System.setProperty(LOG_FORMAT, format);
        return Optional.empty();
    }

    private static String fromFile(Path config, String key) {
        if (!Files.isRegularFile(config)) {
            return null;
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(config)) {
            p.load(in);
        } catch (IOException e) {
            return null;
        }
        return p.getProperty(key);
    }

    /** config/logback.xml next to the properties file wins over the built-in default, unless one was chosen. */
    private static void useLogbackConfig(Path config) {
        if (System.getProperty("logback.configurationFile") != null) {
            return;
        }
        Path dir = config.toAbsolutePath().getParent();
        Path logback = dir == null ? null : dir.resolve("logback.xml");
        if (logback != null && Files.isRegularFile(logback)) {
            System.setProperty("logback.configurationFile", logback.toString());
        }
    }
}
