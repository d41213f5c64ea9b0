package io.drainpilot.preflight;

import java.nio.file.Path;
import io.drainpilot.alert.ProblemReporter;
import io.drainpilot.config.Settings;
import io.drainpilot.cpu.CpuCompatibility;
import io.drainpilot.cpu.CpuLabels;
import io.drainpilot.cpu.CpuMode;
import io.drainpilot.cpu.CpuRequirement;
import io.drainpilot.cpu.LauncherCpu;
import io.drainpilot.drain.NodeEvacuation;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.names.Names;
import io.drainpilot.plan.CpuVendorRule;
import io.drainpilot.plan.NarrowPlacements;
import io.drainpilot.plan.PlanInputs;
import io.drainpilot.plan.TargetSteering;
import io.drainpilot.plan.UpgradeMode;
import io.drainpilot.plan.UpgradeOrder;
import io.drainpilot.plan.UpgradePlan;
import io.drainpilot.plan.VmiOrder;
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
import java.util.Map;
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
        return run(config, node, false, Optional.empty(), false);
    }

    /**
     * @param upgrade the whole rolling upgrade instead of one drain
     * @param order   the upgrade's node order given by hand (n1,n2,...), else Rancher's
     * @param json    JSON on standard output instead of the table
     */
    public static int run(Path config, Optional<String> node, boolean upgrade, Optional<String> order, boolean json)
            throws Exception {
        Settings settings = Settings.load(propertiesOf(config));
        // the same client settings as run and dry run
        try (KubernetesClient client = io.drainpilot.config.ClusterConnection.defaultClient()) {
            Optional<String> unreachable = io.drainpilot.config.ClusterConnection.unreachable(client,
                    settings.healthApiTimeout);
            if (unreachable.isPresent()) {
                throw new io.drainpilot.config.ClusterUnavailableException(unreachable.get());
            }
            if (upgrade) {
                UpgradeReport report = upgrade(client, settings, order);
                if (json) {
                    report.printJson(System.out);
                } else {
                    report.print(System.out);
                }
                return report.stuck() == 0 ? ALL_CAN_MOVE : SOME_CANNOT_MOVE;
            }
            PreflightReport report = collect(client, settings, node);
            if (json) {
                report.printJson(System.out);
            } else {
                report.print(System.out);
            }
            return report.stuck() == 0 ? ALL_CAN_MOVE : SOME_CANNOT_MOVE;
        }
    }

    /** The whole rolling upgrade, planned; read-only. */
    public static UpgradeReport upgrade(KubernetesClient client, Settings settings, Optional<String> givenOrder)
            throws InterruptedException {
        ClusterApi api = new ClusterApi(client, true);
        try (ClusterView view = started(api, settings)) {
            List<Node> nodes = view.nodes().stream().sorted(Comparator.comparing(n -> n.getMetadata().getName())).toList();
            Snapshot snap = snapshot(view, nodes);
            List<String> names = nodes.stream().map(n -> n.getMetadata().getName()).toList();
            List<String> order = givenOrder.isPresent() ? UpgradeOrder.given(givenOrder.get(), names)
                    : UpgradeOrder.of(view.planSecrets(), nodes);
            Optional<io.drainpilot.kubevirt.KubeVirt> kubeVirt = view.kubeVirt();
            PlanInputs base = new PlanInputs(Set.of(), Map.of(), Set.of(), settings.respectEvictionStrategyNone,
                    TargetSteering.enabled(settings.targetSteering, kubeVirt), CpuVendorRule.applies(kubeVirt), Map.of());
            Optional<String> harvester = view.harvesterVersion();
            UpgradePlan.Inputs in = new UpgradePlan.Inputs(nodes, snap.vmis(), snap.launcherCpu(), snap.vmSkipped(),
                    order, base, VmiOrder.parse(settings.vmOrder), harvester.map(UpgradeMode::minor).orElse(-1));
            UpgradePlan.Result plan = UpgradePlan.plan(in, UpgradePlan.Placement.MOVE_ONCE);
            UpgradePlan.Result roomOnly = UpgradePlan.plan(in, UpgradePlan.Placement.ROOM_ONLY);
            return new UpgradeReport(plan, roomOnly, givenOrder.isPresent() ? "given" : "rancher",
                    harvester.orElse(null), NarrowPlacements.find(snap.vmis(), snap.launcherCpu(), nodes),
                    commonModel(nodes).orElse(null));
        }
    }

    /** Every running VMI, the CPU its virt-launcher pod keeps (host-model) and the VMs skipped by their VM's label. */
    private record Snapshot(List<VirtualMachineInstance> vmis, Map<String, LauncherCpu> launcherCpu,
            Set<String> vmSkipped) {
    }

    private static Snapshot snapshot(ClusterView view, List<Node> nodes) {
        List<VirtualMachineInstance> vmis = new java.util.ArrayList<>();
        Map<String, LauncherCpu> launcher = new java.util.HashMap<>();
        Set<String> skipped = new java.util.HashSet<>();
        for (Node n : nodes) {
            String name = n.getMetadata().getName();
            for (VirtualMachineInstance v : view.vmisOn(name)) {
                if (!v.nodeName().map(name::equals).orElse(false) || !"Running".equals(v.phase())) {
                    continue;
                }
                vmis.add(v);
                String key = v.getMetadata().getNamespace() + "/" + v.getMetadata().getName();
                if (CpuRequirement.of(v).mode() == CpuMode.HOST_MODEL) {
                    view.launcherPod(name, v.getMetadata().getUid()).ifPresent(p ->
                            launcher.put(key, LauncherCpu.of(p.getSpec().getNodeSelector())));
                }
                view.labelledVm(v.getMetadata().getNamespace(), v.getMetadata().getName())
                        .filter(vm -> vm.getMetadata().getLabels() != null
                                && "true".equals(vm.getMetadata().getLabels().get(Names.SKIP)))
                        .ifPresent(vm -> skipped.add(key));
            }
        }
        return new Snapshot(vmis, launcher, skipped);
    }

    private static ClusterView started(ClusterApi api, Settings settings) throws InterruptedException {
        ClusterView view = new ClusterView(api, settings, SYNC_TIMEOUT);
        view.start();
        if (!view.awaitSynced(SYNC_TIMEOUT)) {
            view.close();
            throw new IllegalStateException("the cluster could not be read within " + SYNC_TIMEOUT.toSeconds()
                    + " s: " + view.notSynced());
        }
        return view;
    }

    private static Optional<String> commonModel(List<Node> nodes) {
        return CpuCompatibility.commonNamedModel(nodes.stream().filter(Preflight::schedulable).map(CpuLabels::of).toList());
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
        try (ClusterView view = started(api, settings)) {
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
            Snapshot snap = snapshot(view, nodes);
            List<NarrowPlacements.Finding> narrow = NarrowPlacements.find(snap.vmis(), snap.launcherCpu(), nodes).stream()
                    .filter(f -> onlyNode.isEmpty() || snap.vmis().stream().anyMatch(v -> f.vm().equals(
                            v.getMetadata().getNamespace() + "/" + v.getMetadata().getName())
                            && onlyNode.get().equals(v.nodeName().orElse(null)))).toList();
            return new PreflightReport(List.copyOf(reports), common.orElse(null), schedulable.size(), stuck, narrow);
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
