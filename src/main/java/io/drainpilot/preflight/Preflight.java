package io.drainpilot.preflight;

import io.drainpilot.CommandLine;
import io.drainpilot.names.Names;
import io.drainpilot.config.Settings;
import io.drainpilot.cpu.CpuCompatibility;
import io.drainpilot.cpu.CpuLabels;
import io.drainpilot.drain.ScanContext;
import io.drainpilot.kubevirt.ClusterApi;
import io.drainpilot.kubevirt.KubeVirtNames;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.plan.Decision;
import io.drainpilot.plan.EvacuationPlanner;
import io.drainpilot.plan.PlanInputs;
import io.drainpilot.plan.VmiOrder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

/**
 * {@code --preflight [NODE]}: for each node, what would happen to each of its VMs if it drained now. Read-only.
 */
public final class Preflight {
    public static final int ALL_CAN_MOVE = 0;
    public static final int SOME_CANNOT_MOVE = 3;

    private Preflight() {
    }

    public static int run(CommandLine cli) throws IOException {
        Settings settings = Settings.load(propertiesOf(cli));
        // the same client settings as run and dry run
        try (KubernetesClient client = io.drainpilot.config.ClusterConnection.defaultClient()) {
            java.util.Optional<String> unreachable = io.drainpilot.config.ClusterConnection.unreachable(client,
                    settings.healthApiTimeout);
            if (unreachable.isPresent()) {
                throw new io.drainpilot.config.ClusterUnavailableException(unreachable.get());
            }
            return report(new ClusterApi(client, true), settings, cli.node(), System.out);
        }
    }

    /** Prints the report; returns {@link #ALL_CAN_MOVE} or {@link #SOME_CANNOT_MOVE}. */
    public static int report(ClusterApi api, Settings settings, Optional<String> onlyNode, PrintStream out) {
        List<Node> nodes = api.nodes();
        if (onlyNode.isPresent() && nodes.stream().noneMatch(n -> n.getMetadata().getName().equals(onlyNode.get()))) {
            throw new IllegalArgumentException("node " + onlyNode.get() + " not found");
        }
        EvacuationPlanner planner = new EvacuationPlanner();
        int stuck = 0;
        for (Node node : nodes) {
            String name = node.getMetadata().getName();
            if (onlyNode.isPresent() && !onlyNode.get().equals(name)) {
                continue;
            }
            Set<String> draining = new HashSet<>(Set.of(name));
            ScanContext ctx = new ScanContext(api, nodes, draining);
            PlanInputs inputs = new PlanInputs(draining, ctx.freeMemory(), ctx.upgradedNodes(),
                    settings.respectEvictionStrategyNone);
            List<VirtualMachineInstance> vmis = new ArrayList<>(api.vmisOnNode(name, settings.vmSelector));
            vmis.removeIf(v -> !"Running".equals(v.phase()) || "true".equals(v.label(Names.SKIP)));
            vmis.sort(VmiOrder.parse(settings.vmOrder).comparator());
            out.println("If " + name + " drained now (" + vmis.size() + " VM" + (vmis.size() == 1 ? "" : "s") + "):");
            for (VirtualMachineInstance vmi : vmis) {
                Decision d = planner.plan(vmi, node, nodes, inputs);
                boolean moves = d instanceof Decision.Migrate;
                if (!moves) {
                    stuck++;
                }
                out.println("  " + (moves ? "ok   " : "STUCK") + " " + vmi.getMetadata().getNamespace() + "/"
                        + vmi.getMetadata().getName() + ": " + d.describe());
            }
        }
        List<CpuLabels> schedulable = nodes.stream().filter(Preflight::schedulable).map(CpuLabels::of).toList();
        Optional<String> common = CpuCompatibility.commonNamedModel(schedulable);
        out.println(common.map(m -> "Common CPU model of all " + schedulable.size() + " schedulable nodes: " + m
                + " (set spec.domain.cpu.model: " + m + " on VMs that have nowhere to go)")
                .orElse("No named CPU model is supported by every schedulable node."));
        out.println(stuck == 0 ? "Every VM could move." : stuck + " VM(s) could not move.");
        return stuck == 0 ? ALL_CAN_MOVE : SOME_CANNOT_MOVE;
    }

    private static boolean schedulable(Node n) {
        boolean cordoned = n.getSpec() != null && Boolean.TRUE.equals(n.getSpec().getUnschedulable());
        return !cordoned && n.getMetadata().getLabels() != null
                && "true".equals(n.getMetadata().getLabels().get(KubeVirtNames.LABEL_SCHEDULABLE));
    }

    /** The properties file with environment overrides, as Camel would resolve them. */
    private static java.util.function.Function<String, String> propertiesOf(CommandLine cli) throws IOException {
        Properties p = new Properties();
        try (InputStream in = new FileInputStream(cli.config().toFile())) {
            p.load(in);
        }
        return key -> {
            String env = System.getenv(Settings.envName(key));
            return env != null ? env : p.getProperty(key);
        };
    }
}
