package io.drainpilot;

import io.drainpilot.app.DrainPilotRuntime;
import io.drainpilot.demo.Demo;
import io.drainpilot.preflight.Preflight;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** The entry point: {@code java -jar target/drainpilot.jar [--demo | --preflight [NODE] | --dry-run] [--config FILE]}. */
public final class DrainPilot {
    /** Exit code when startup fails (bad configuration, broken route file, no cluster). */
    public static final int EXIT_STARTUP_FAILED = 1;
    public static final int EXIT_USAGE = 2;

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
                case DEMO -> Demo.run(cli.config());
                case PREFLIGHT -> Preflight.run(cli.config(), cli.node());
                case RUN -> {
                    Map<String, String> overrides = new HashMap<>();
                    if (cli.dryRun()) {
                        overrides.put("drainpilot.dry-run", "true");
                    }
                    DrainPilotRuntime.create(cli.config(), overrides, null).run();
                    yield 0;
                }
            };
        } catch (Exception e) {
            System.err.println("drainpilot: cannot start: " + DrainPilotRuntime.describe(e));
            return EXIT_STARTUP_FAILED;
        }
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
