package io.drainpilot.preflight;

import java.nio.file.Path;
import io.drainpilot.alert.ProblemReporter;
import io.drainpilot.config.Settings;
import io.drainpilot.cpu.CpuCompatibility;
import io.drainpilot.cpu.CpuLabels;
import io.drainpilot.drain.NodeEvacuation;
import io.drainpilot.plan.NodeTaints;
import io.drainpilot.kubevirt.ClusterApi;
import io.drainpilot.kubevirt.KubeVirtNames;
import io.drainpilot.observe.StatusBoard;
import io.drainpilot.view.ClusterView;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

/**
 * {@code --preflight [NODE]}: for each node, what would happen to each of its VMs if it drained now, decided by the
 * same triage, rules, order and safety checks as a drain. Read-only.
 */
public final class Preflight {
    public static final int ALL_CAN_MOVE = 0;
    public static final int SOME_CANNOT_MOVE = 3;
    private static final Duration SYNC_TIMEOUT = Duration.ofSeconds(60);

    private Preflight() {
    }

    public static int run(Path config, Optional<String> node) throws Exception {
        Settings settings = Settings.load(propertiesOf(config));
        // the same client settings as run and dry run
        try (KubernetesClient client = io.drainpilot.config.ClusterConnection.defaultClient()) {
            Optional<String> unreachable = io.drainpilot.config.ClusterConnection.unreachable(client,
                    settings.healthApiTimeout);
            if (unreachable.isPresent()) {
                throw new io.drainpilot.config.ClusterUnavailableException(unreachable.get());
            }
            return report(client, settings, node, System.out);
        }
    }

    /** Prints the report; returns {@link #ALL_CAN_MOVE} or {@link #SOME_CANNOT_MOVE}. */
    public static int report(KubernetesClient client, Settings settings, Optional<String> onlyNode, PrintStream out)
            throws InterruptedException {
        PreflightReport report = collect(client, settings, onlyNode);
        report.print(out);
        return report.stuck() == 0 ? ALL_CAN_MOVE : SOME_CANNOT_MOVE;
    }

    /** What a drain of each node (or only {@code onlyNode}) would do now; read-only. */
    public static PreflightReport collect(KubernetesClient client, Settings settings, Optional<String> onlyNode)
            throws InterruptedException {
        ClusterApi api = new ClusterApi(client, true);
        try (ClusterView view = new ClusterView(api, settings, SYNC_TIMEOUT)) {
            view.start();
            if (!view.awaitSynced(SYNC_TIMEOUT)) {
                throw new IllegalStateException("the cluster could not be read within " + SYNC_TIMEOUT.toSeconds()
                        + " s: " + view.notSynced());
            }
            List<Node> nodes = view.nodes().stream().sorted(Comparator.comparing(n -> n.getMetadata().getName())).toList();
            if (onlyNode.isPresent() && nodes.stream().noneMatch(n -> n.getMetadata().getName().equals(onlyNode.get()))) {
                throw new IllegalArgumentException("node " + onlyNode.get() + " not found");
            }
            NodeEvacuation planner = new NodeEvacuation(view, api, new io.drainpilot.work.NodeStatus(api, Clock.systemUTC()), settings, new ProblemReporter(api, false),
                    new StatusBoard(), Clock.systemUTC(), Set::of);
            List<PreflightReport.NodeReport> reports = new java.util.ArrayList<>();
            for (Node node : nodes) {
                String name = node.getMetadata().getName();
                if (onlyNode.isPresent() && !onlyNode.get().equals(name)) {
                    continue;
                }
                reports.add(PreflightReport.NodeReport.of(planner.preview(node)));
            }
            int stuck = (int) reports.stream().flatMap(r -> r.vms().stream())
                    .filter(v -> v.verdict() == PreflightReport.Verdict.STUCK).count();
            List<CpuLabels> schedulable = nodes.stream().filter(Preflight::schedulable).map(CpuLabels::of).toList();
            Optional<String> common = CpuCompatibility.commonNamedModel(schedulable);
            return new PreflightReport(List.copyOf(reports), common.orElse(null), schedulable.size(), stuck, null);
        }
    }

    private static boolean schedulable(Node n) {
        boolean cordoned = n.getSpec() != null && Boolean.TRUE.equals(n.getSpec().getUnschedulable());
        return !cordoned && NodeTaints.ready(n) && n.getMetadata().getLabels() != null
                && "true".equals(n.getMetadata().getLabels().get(KubeVirtNames.LABEL_SCHEDULABLE));
    }

    /** The properties file with environment overrides, as Camel would resolve them. */
    private static java.util.function.Function<String, String> propertiesOf(Path config) throws IOException {
        Properties p = new Properties();
        try (InputStream in = new FileInputStream(config.toFile())) {
            p.load(in);
        }
        return key -> {
            String env = System.getenv(Settings.envName(key));
            return env != null ? env : p.getProperty(key);
        };
    }
}
