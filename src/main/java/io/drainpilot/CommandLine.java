package io.drainpilot;

import java.nio.file.Path;
import java.util.Optional;

/**
 * What the command line asks for. No flags: run against the cluster the fabric8 defaults point at.
 */
public record CommandLine(Mode mode, Path config, boolean dryRun, Optional<String> node, boolean upgrade,
        Optional<String> order, Output output) {

    public enum Mode { RUN, DEMO, PREFLIGHT, HELP, VERSION }

    /** What preflight prints on standard output. */
    public enum Output {
        TEXT("text"), JSON("json");

        private final String wire;

        Output(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }

        static Output parse(String value) {
            for (Output o : values()) {
                if (o.wire.equals(value)) {
                    return o;
                }
            }
            throw new IllegalArgumentException("-o " + value + ": allowed: json, text");
        }
    }

    public CommandLine(Mode mode, Path config, boolean dryRun, Optional<String> node) {
        this(mode, config, dryRun, node, false, Optional.empty(), Output.TEXT);
    }

    public static final String CONFIG_ENV = "DRAINPILOT_CONFIG";

    public static final String USAGE = """
            Usage: java -jar target/drainpilot.jar [options]
              (no options)        run: evacuate draining nodes of the cluster that KUBECONFIG,
                                  ~/.kube/config, the in-cluster service account or KUBERNETES_MASTER points at
              --demo              run a simulated Harvester cluster and show a drain, step by step
              --preflight [NODE]  read-only: what would happen to each VM if NODE (or every node) drained now;
                                  exit 0 when every VM could move, 3 when some could not
              --preflight --upgrade [--order N1,N2,...]
                                  read-only: the whole rolling upgrade, node by node in Rancher's order (or the
                                  given one): each VM's moves and targets, room left, VMs moved more than once,
                                  VMs with nowhere to go; exit 0 when every VM could move, 3 when some could not
              -o json|text        preflight output (default text); json prints only JSON on standard output
              --dry-run           plan and report, change nothing in the cluster
              --config FILE       properties file (default config/application.properties, or $DRAINPILOT_CONFIG)
              --version           print the version and exit
              --help              this text

            Exit codes:
              0  done: the demo showed everything, preflight found every VM can move, or run was stopped (SIGTERM)
              1  cannot start: invalid setting, missing configuration file, no route files, a stage route missing,
                 broken route file, management port in use
              2  wrong command line
              3  preflight: some VM could not move
              4  runtime error: DrainPilot started, then failed
              5  no cluster configuration found, or the Kubernetes API server is unreachable or refuses the credentials
            Logs: text lines with the date, or one JSON object per line with DRAINPILOT_LOG_FORMAT=json
            (drainpilot.log.format).
            """;

    public static CommandLine parse(String[] args, java.util.function.Function<String, String> env) {
        Mode mode = Mode.RUN;
        String configEnv = env.apply(CONFIG_ENV);
        Path config = Path.of(configEnv == null || configEnv.isBlank() ? "config/application.properties" : configEnv);
        boolean dryRun = false;
        String node = null;
        boolean upgrade = false;
        String order = null;
        Output output = Output.TEXT;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--demo" -> mode = Mode.DEMO;
                case "--dry-run" -> dryRun = true;
                case "--help", "-h" -> mode = Mode.HELP;
                case "--version" -> mode = Mode.VERSION;
                case "--preflight" -> {
                    mode = Mode.PREFLIGHT;
                    if (i + 1 < args.length && !args[i + 1].startsWith("-")) {
                        node = args[++i];
                    }
                }
                case "--upgrade" -> upgrade = true;
                case "--order" -> {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException("--order needs node names: --order n1,n2,...");
                    }
                    order = args[++i];
                }
                case "-o", "--output" -> {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException("-o needs json or text");
                    }
                    output = Output.parse(args[++i]);
                }
                case "--config" -> {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException("--config needs a FILE");
                    }
                    config = Path.of(args[++i]);
                }
                default -> throw new IllegalArgumentException("unknown option: " + a);
            }
        }
        if ((upgrade || order != null || output != Output.TEXT) && mode != Mode.PREFLIGHT) {
            throw new IllegalArgumentException("--upgrade, --order and -o go with --preflight");
        }
        if (order != null && !upgrade) {
            throw new IllegalArgumentException("--order goes with --preflight --upgrade");
        }
        if (upgrade && node != null) {
            throw new IllegalArgumentException("--preflight --upgrade plans every node: no NODE (use --order)");
        }
        return new CommandLine(mode, config, dryRun, Optional.ofNullable(node), upgrade, Optional.ofNullable(order),
                output);
    }
}
