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
 * simulated migration times (SimRecord outcomes) divided by the allowed parallelism (2 outbound per node). The same
 * for a baseline: a minimal hand-written fabric8 loop (poll the node annotation, list the node's VMIs and all VMIMs,
 * create VMIMs up to the caps without target choice, poll until no VMI is left), at the same poll period.
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
        // fast polling (what the scenario tests use), then DrainPilot's defaults (scan 5 s, await 2 s)
        results.add(drainPilot(Map.of("drainpilot.poll.period", "200ms", "drainpilot.await.period", "200ms",
                "drainpilot.poll.initial-delay", "100ms"), "scan 200ms, await 200ms"));
        results.add(baseline(200, "poll 200ms"));
        results.add(drainPilot(Map.of(), "scan 5s, await 2s (defaults)"));
        results.add(baseline(2000, "poll 2s"));
        results.add(baseline(5000, "poll 5s"));
        print(results, t0);
    }

    static void print(List<Result> results, long t0) {
        System.out.println();
        System.out.println("OverheadBenchmark: one node, " + VMS + " VMs x 1 GiB, parallelism " + OUTBOUND
                + " (outbound per node), SimSettings.forTests(); " + BenchSupport.machine());
        System.out.println("| who        | periods                         | total (s) | ideal (s) | overhead ratio | API requests |");
        System.out.println("|------------|---------------------------------|----------:|----------:|---------------:|-------------:|");
        for (Result r : results) {
            System.out.printf("| %-10s | %-31s | %9.2f | %9.2f | %14.2f | %12d |%n", r.who(), r.periods(), r.total(), r.ideal(),
                    r.ratio(), r.requests());
        }
        System.out.printf("DrainPilot / baseline at equal fast polling: %.2f%n", results.get(0).total() / results.get(1).total());
        if (results.size() >= 5) {
            System.out.printf("DrainPilot defaults / baseline: %.2f (vs poll 2s), %.2f (vs poll 5s)%n",
                    results.get(2).total() / results.get(3).total(), results.get(2).total() / results.get(4).total());
        }
        System.out.printf("total wall time %.1f s%n", (System.nanoTime() - t0) / 1e9);
        System.exit(0);
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
                System.out.printf("DrainPilot %s: %.2f s, %d migrations, requests %s%n", periods, total,
                        cluster.record().migrationsCreated().size(), byKind);
                return new Result("DrainPilot", periods, total, ideal(cluster.record()), requests);
            } finally {
                rt.close();
            }
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
