package io.drainpilot.bench;

import io.drainpilot.app.DrainPilotRuntime;
import io.drainpilot.names.Names;
import io.drainpilot.kubevirt.KubeVirtNames;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.kubevirt.VirtualMachineInstanceMigration;
import io.drainpilot.sim.CpuProfile;
import io.drainpilot.sim.Scenario;
import io.drainpilot.sim.SimRecord;
import io.drainpilot.sim.SimSettings;
import io.drainpilot.sim.SimulatedCluster;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Orchestration overhead of evacuating one node with 40 VMs (1 GiB each; 1 GiB migrates in ~0.5 s in the simulator):
 * total time from the drain annotation to the node being evacuated, against the ideal, i.e. the sum of the
 * simulated migration times (SimRecord outcomes) divided by the allowed parallelism (2 outbound per node). Side by
 * side, in the same run: {@link BareController}, the least an event-driven fabric8 controller does (informers, caps,
 * no CPU rules, no target choice, no recovery, no bookkeeping), and a minimal polling loop at 2 s.
 * Run: {@code mvn -B -q test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=io.drainpilot.bench.OverheadBenchmark}
 */
public final class OverheadBenchmark {
    static final int VMS = 40;
    static final int OUTBOUND = 2;
    static final int CLUSTER = 5;

    record Result(String who, String periods, double total, double ideal, long requests) {
        double ratio() {
            return total / ideal;
        }
    }

    public static void main(String[] args) {
        List<Result> results = new java.util.ArrayList<>();
        long t0 = System.nanoTime();
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        for (int i = 0; i < runs; i++) {
            results.add(drainPilot(Map.of(), "defaults (events; timers 5s/2s)"));
            results.add(bare());
        }
        results.add(baseline(2000, "poll 2s"));
        print(results, t0);
    }

    static void print(List<Result> results, long t0) {
        System.out.println();
        System.out.println("OverheadBenchmark: one node, " + VMS + " VMs x 1 GiB, parallelism " + OUTBOUND
                + " (outbound per node), SimSettings.forTests(); " + BenchSupport.machine());
        System.out.println("| who        | how                             | total (s) | ideal (s) | total / ideal | API requests |");
        System.out.println("|------------|---------------------------------|----------:|----------:|--------------:|-------------:|");
        for (Result r : results) {
            System.out.printf("| %-10s | %-31s | %9.2f | %9.2f | %13.2f | %12d |%n", r.who(), r.periods(), r.total(), r.ideal(),
                    r.ratio(), r.requests());
        }
        List<Result> dp = results.stream().filter(r -> r.who().equals("DrainPilot")).toList();
        List<Result> bare = results.stream().filter(r -> r.who().equals("bare")).toList();
        System.out.printf("median total/ideal: DrainPilot %.2f, bare %.2f; median API requests: DrainPilot %d, bare %d"
                        + " (DrainPilot / bare %.2f)%n",
                median(dp.stream().map(Result::ratio).toList()), median(bare.stream().map(Result::ratio).toList()),
                (long) median(dp.stream().map(r -> (double) r.requests()).toList()),
                (long) median(bare.stream().map(r -> (double) r.requests()).toList()),
                median(dp.stream().map(r -> (double) r.requests()).toList())
                        / median(bare.stream().map(r -> (double) r.requests()).toList()));
        System.out.printf("total wall time %.1f s%n", (System.nanoTime() - t0) / 1e9);
        System.exit(0);
    }

    private static double median(List<Double> v) {
        return BenchSupport.percentile(v, 50);
    }

    static Scenario scenario() {
        Scenario.Builder b = Scenario.builder().kubeVirt("kubevirt", "v1.6.0").migrationLimits(CLUSTER, OUTBOUND);
        b.node(Scenario.node("node-1", CpuProfile.SKYLAKE).memory("128Gi"));
        for (int i = 2; i <= 4; i++) {
            b.node(Scenario.node("node-" + i, CpuProfile.SKYLAKE).memory("512Gi"));
        }
        for (int i = 1; i <= VMS; i++) {
            b.vm(Scenario.vm("default", String.format("vm-%02d", i)).on("node-1").hostModel().memory("1Gi"));
        }
        return b.build();
    }

    /**
     * How long a freed slot stayed empty: for each migration created after the first {@link #OUTBOUND}, the time since
     * the last migration reached Succeeded before it (median and p95, in milliseconds).
     */
    static String refillGaps(SimRecord record) {
        List<java.time.Instant> ends = record.phaseTransitions().stream()
                .filter(t -> t.phase() == io.drainpilot.kubevirt.MigrationPhase.SUCCEEDED)
                .map(SimRecord.PhaseTransition::time).sorted().toList();
        List<java.time.Instant> starts = record.migrationsCreated().stream().map(SimRecord.CreatedMigration::time)
                .sorted().skip(OUTBOUND).toList();
        List<Double> gaps = new java.util.ArrayList<>();
        for (java.time.Instant start : starts) {
            ends.stream().filter(e -> !e.isAfter(start)).reduce((a, b) -> b)
                    .ifPresent(e -> gaps.add(java.time.Duration.between(e, start).toNanos() / 1e6));
        }
        java.time.Instant first = record.migrationsCreated().stream().map(SimRecord.CreatedMigration::time).min(
                java.time.Instant::compareTo).orElseThrow();
        java.time.Instant last = ends.get(ends.size() - 1);
        return String.format("first VMIM to last Succeeded %.2f s, slot refill gap p50 %.0f ms, p95 %.0f ms",
                java.time.Duration.between(first, last).toNanos() / 1e9, BenchSupport.percentile(gaps, 50),
                BenchSupport.percentile(gaps, 95));
    }

    static double ideal(SimRecord record) {
        double sum = record.outcomes().stream().filter(o -> o.result() == SimRecord.Result.SUCCEEDED)
                .mapToDouble(o -> o.duration().toNanos() / 1e9).sum();
        return sum / OUTBOUND;
    }

    static Result drainPilot(Map<String, String> overrides, String periods) {
        try (SimulatedCluster cluster = SimulatedCluster.start(scenario(), SimSettings.forTests());
             KubernetesClient kube = BenchSupport.client(cluster, BenchSupport.OBSERVER)) {
            DrainPilotRuntime rt = BenchSupport.drainPilot(cluster, overrides);
            try {
                BenchSupport.sleep(1500); // started and idle
                Map<String, Long> before = cluster.record().requestCounts();
                long start = System.nanoTime();
                BenchSupport.annotate(kube, "node-1", Names.DRAIN_REQUESTED, "true");
                while (!Names.COMPLETED.equals(BenchSupport.evacuation(kube, "node-1"))) {
                    BenchSupport.sleep(20);
                }
                double total = (System.nanoTime() - start) / 1e9;
                // the observer's polls are not counted (it uses the simulator's User-Agent)
                Map<String, Long> byKind = BenchSupport.requestsBetween(before, cluster.record().requestCounts());
                long requests = byKind.values().stream().mapToLong(Long::longValue).sum();
                System.out.printf("DrainPilot %s: %.2f s, %d migrations, %s, requests %s%n", periods, total,
                        cluster.record().migrationsCreated().size(), refillGaps(cluster.record()), byKind);
                return new Result("DrainPilot", periods, total, ideal(cluster.record()), requests);
            } finally {
                rt.close();
            }
        }
    }

    /** {@link BareController}: informers and the caps, nothing else. */
    static Result bare() {
        try (SimulatedCluster cluster = SimulatedCluster.start(scenario(), SimSettings.forTests());
             KubernetesClient kube = BenchSupport.client(cluster, BenchSupport.OBSERVER);
             KubernetesClient client = BenchSupport.client(cluster, "bare");
             BareController controller = new BareController(client, OUTBOUND, CLUSTER)) {
            BenchSupport.sleep(1500); // started and idle
            Map<String, Long> before = cluster.record().requestCounts();
            long start = System.nanoTime();
            BenchSupport.annotate(kube, "node-1", Names.DRAIN_REQUESTED, "true");
            while (!Names.COMPLETED.equals(BenchSupport.evacuation(kube, "node-1"))) {
                BenchSupport.sleep(20);
            }
            double total = (System.nanoTime() - start) / 1e9;
            Map<String, Long> byKind = BenchSupport.requestsBetween(before, cluster.record().requestCounts());
            long requests = byKind.values().stream().mapToLong(Long::longValue).sum();
            System.out.printf("bare: %.2f s, %d migrations, %s, requests %s%n", total,
                    cluster.record().migrationsCreated().size(), refillGaps(cluster.record()), byKind);
            return new Result("bare", "informers, caps only", total, ideal(cluster.record()), requests);
        }
    }

    /** The minimal loop: no CPU checks, no target choice, no recovery, no status; just the caps. */
    static Result baseline(long periodMillis, String periods) {
        try (SimulatedCluster cluster = SimulatedCluster.start(scenario(), SimSettings.forTests());
             KubernetesClient kube = BenchSupport.client(cluster, BenchSupport.OBSERVER);
             KubernetesClient client = BenchSupport.client(cluster, "baseline")) {
            long before = cluster.record().totalRequests();
            long start = System.nanoTime();
            BenchSupport.annotate(kube, "node-1", Names.DRAIN_REQUESTED, "true");
            double total;
            while (true) {
                var ann = client.nodes().withName("node-1").get().getMetadata().getAnnotations();
                if (ann != null && "true".equals(ann.get(Names.DRAIN_REQUESTED))) {
                    List<VirtualMachineInstance> vmis = client.resources(VirtualMachineInstance.class).inAnyNamespace()
                            .withLabel(KubeVirtNames.LABEL_NODE_NAME, "node-1").list().getItems();
                    List<VirtualMachineInstanceMigration> inFlight = client.resources(VirtualMachineInstanceMigration.class)
                            .inAnyNamespace().list().getItems().stream().filter(m -> !m.phase().isFinal()).toList();
                    if (vmis.isEmpty() && inFlight.isEmpty()) {
                        total = (System.nanoTime() - start) / 1e9;
                        break;
                    }
                    Set<String> busy = inFlight.stream().map(VirtualMachineInstanceMigration::vmiName).collect(Collectors.toSet());
                    int running = inFlight.size();
                    for (VirtualMachineInstance vmi : vmis) {
                        if (running >= OUTBOUND || running >= CLUSTER) {
                            break;
                        }
                        if (busy.contains(vmi.getMetadata().getName())) {
                            continue;
                        }
                        VirtualMachineInstanceMigration m = new VirtualMachineInstanceMigration();
                        m.setMetadata(new ObjectMetaBuilder().withNamespace(vmi.getMetadata().getNamespace())
                                .withGenerateName("baseline-").build());
                        m.setSpec(new VirtualMachineInstanceMigration.Spec());
                        m.getSpec().vmiName = vmi.getMetadata().getName();
                        client.resource(m).create();
                        running++;
                    }
                }
                BenchSupport.sleep(periodMillis);
            }
            long requests = cluster.record().totalRequests() - before;
            System.out.printf("baseline %s: %.2f s, %d migrations%n", periods, total, cluster.record().migrationsCreated().size());
            return new Result("baseline", periods, total, ideal(cluster.record()), requests);
        }
    }
}
