package io.drainpilot.bench;

import io.drainpilot.names.Names;
import io.drainpilot.kubevirt.MigrationPhase;
import io.drainpilot.sim.CpuProfile;
import io.drainpilot.sim.Scenario;
import io.drainpilot.sim.SimRecord;
import io.drainpilot.sim.SimSettings;
import io.drainpilot.sim.SimulatedCluster;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Reaction times at the DEFAULT settings of config/application.properties, side by side with {@link BareController}
 * (the least an event-driven fabric8 controller does) in the same run: 20 runs each, one cluster per contestant;
 * each run drains its own node (2 VMs of 1 GiB) and measures
 * <ul>
 * <li>detection: drain annotation written -> first VMIM created (SimRecord's creation time, API-server side);</li>
 * <li>release: the last of the node's migrations reaches Succeeded (simulator's transition time) -> the node's
 * {@code drainpilot.io/evacuation=Completed} is visible (observer polls every 10 ms).</li>
 * </ul>
 * Run: {@code mvn -B -q test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=io.drainpilot.bench.LatencyBenchmark}
 */
public final class LatencyBenchmark {
    record Times(List<Double> detection, List<Double> release) {
    }

    public static void main(String[] args) {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        long t0 = System.nanoTime();
        Times drainPilot = measure(runs, "DrainPilot", cluster -> BenchSupport.drainPilot(cluster, Map.of())::close);
        Times bare = measure(runs, "bare", cluster -> {
            KubernetesClient client = BenchSupport.client(cluster, "bare");
            BareController c = new BareController(client, 2, 5);
            return () -> {
                c.close();
                client.close();
            };
        });
        System.out.println();
        System.out.println("LatencyBenchmark: " + runs + " runs each, DrainPilot at its default settings"
                + " (drainpilot.poll.period=5s, drainpilot.await.period=2s: the safety net; events drive it),"
                + " SimSettings.forTests(); " + BenchSupport.machine());
        System.out.println("| measure                                | who        |  p50 (s) |  p95 (s) |  min (s) |  max (s) |");
        System.out.println("|----------------------------------------|------------|---------:|---------:|---------:|---------:|");
        row("drain signal -> first VMIM created", "DrainPilot", drainPilot.detection());
        row("drain signal -> first VMIM created", "bare", bare.detection());
        row("last Succeeded -> evacuation=Completed", "DrainPilot", drainPilot.release());
        row("last Succeeded -> evacuation=Completed", "bare", bare.release());
        System.out.printf("total wall time %.1f s%n", (System.nanoTime() - t0) / 1e9);
        System.exit(0);
    }

    interface Contestant {
        AutoCloseable start(SimulatedCluster cluster);
    }

    static Times measure(int runs, String who, Contestant contestant) {
        Scenario.Builder b = Scenario.builder().kubeVirt("kubevirt", "v1.6.0");
        for (int i = 1; i <= 3; i++) {
            b.node(Scenario.node("spare-" + i, CpuProfile.SKYLAKE).memory("512Gi"));
        }
        for (int r = 1; r <= runs; r++) {
            b.node(Scenario.node("d-" + r, CpuProfile.SKYLAKE).memory("8Gi"));
            b.vm(Scenario.vm("default", "vm-" + r + "-a").on("d-" + r).hostModel().memory("1Gi"));
            b.vm(Scenario.vm("default", "vm-" + r + "-b").on("d-" + r).hostModel().memory("1Gi"));
        }
        List<Double> detection = new ArrayList<>();
        List<Double> release = new ArrayList<>();
        try (SimulatedCluster cluster = SimulatedCluster.start(b.build(), SimSettings.forTests());
             KubernetesClient kube = BenchSupport.client(cluster, BenchSupport.OBSERVER)) {
            AutoCloseable running = contestant.start(cluster);
            Random random = new Random(42);
            try {
                BenchSupport.sleep(2000); // started, caches filled, idle
                for (int r = 1; r <= runs; r++) {
                    BenchSupport.sleep(random.nextInt(1000)); // land at a different phase of any timer
                    String node = "d-" + r;
                    Set<String> vms = Set.of("vm-" + r + "-a", "vm-" + r + "-b");
                    Instant signal = Instant.now();
                    BenchSupport.annotate(kube, node, Names.DRAIN_REQUESTED, "true");
                    while (!Names.COMPLETED.equals(BenchSupport.evacuation(kube, node))) {
                        BenchSupport.sleep(10);
                    }
                    Instant released = Instant.now();
                    SimRecord rec = cluster.record();
                    Instant firstVmim = rec.migrationsCreated().stream().filter(c -> vms.contains(c.vmiName()))
                            .map(SimRecord.CreatedMigration::time).min(Instant::compareTo).orElseThrow();
                    Set<String> names = rec.migrationsCreated().stream().filter(c -> vms.contains(c.vmiName()))
                            .map(SimRecord.CreatedMigration::name).collect(Collectors.toSet());
                    Instant lastSucceeded = rec.phaseTransitions().stream()
                            .filter(t -> names.contains(t.migration()) && t.phase() == MigrationPhase.SUCCEEDED)
                            .map(SimRecord.PhaseTransition::time).max(Instant::compareTo).orElseThrow();
                    double d = Duration.between(signal, firstVmim).toNanos() / 1e9;
                    double rel = Duration.between(lastSucceeded, released).toNanos() / 1e9;
                    detection.add(d);
                    release.add(rel);
                    System.out.printf("%-10s run %2d  %-5s detection %6.3f s  release %6.3f s%n", who, r, node, d, rel);
                }
            } finally {
                try {
                    running.close();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return new Times(detection, release);
    }

    private static void row(String name, String who, List<Double> v) {
        System.out.printf("| %-38s | %-10s | %8.3f | %8.3f | %8.3f | %8.3f |%n", name, who, BenchSupport.percentile(v, 50),
                BenchSupport.percentile(v, 95), v.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN),
                v.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN));
    }
}
