package io.drainpilot.bench;

import io.drainpilot.app.DrainPilotRuntime;
import io.drainpilot.names.Names;
import io.drainpilot.work.DrainRequest;
import io.drainpilot.drain.DrainScanner;
import io.drainpilot.drain.NodeEvacuation;
import io.drainpilot.migrate.MigrationTracker;
import io.drainpilot.sim.CpuProfile;
import io.drainpilot.sim.Scenario;
import io.drainpilot.sim.SimSettings;
import io.drainpilot.sim.SimulatedCluster;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Cost of one scan cycle (DrainScanner.scan + NodeEvacuation.evaluate per draining node, i.e. the scan route
 * without starting migrations) and one await cycle (MigrationTracker.poll + NodeEvacuation.refresh) on clusters of
 * 100, 1,000 and 5,000 nodes with 10 VMIs per node, with no draining node and with one: API requests (SimRecord),
 * wall time (and how much of it the in-process API server took to answer), CPU and bytes allocated by the calling thread (com.sun.management.ThreadMXBean; the HTTP client's
 * Vert.x threads and the in-process API server are not in it: process CPU is shown too), and heap after a long run
 * of cycles. The beans are called directly from a DrainPilotRuntime whose timers are parked (1 h), the simulator
 * is stopped after writing the scenario (it lists every VMI every tick), so only DrainPilot's requests are counted.
 * Run: {@code mvn -B -q test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=io.drainpilot.bench.ScaleBenchmark
 * [-Dexec.args="100 1000 5000"]}
 */
public final class ScaleBenchmark {
    static final int VMIS_PER_NODE = 10;
    static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    record Row(int nodes, int vmis, String cycle, int draining, long requests, Map<String, Long> byKind, double wallMs,
               double serverMs, double cpuMs, double processCpuMs, double allocMiB) {
    }

    record Build(int nodes, double seconds) {
    }

    public static void main(String[] args) {
        int[] sizes = args.length == 0 ? new int[]{100, 1000, 5000}
                : java.util.Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
        List<Row> rows = new ArrayList<>();
        List<String> heap = new ArrayList<>();
        List<Build> builds = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int nodes : sizes) {
            measure(nodes, rows, heap, builds);
        }
        System.out.println();
        System.out.println("ScaleBenchmark: " + VMIS_PER_NODE + " VMIs per node; " + BenchSupport.machine());
        System.out.println("Scenario written through the API (ScenarioWriter: VM create, VMI create, VM status):");
        for (Build b : builds) {
            System.out.printf("  %5d nodes / %6d VMIs written in %.1f s%n", b.nodes(), b.nodes() * VMIS_PER_NODE, b.seconds());
        }
        System.out.println("| nodes | VMIs   | cycle | draining | API requests | wall (ms) | of it API server (ms) | thread CPU (ms) | process CPU (ms) | thread alloc (MiB) |");
        System.out.println("|------:|-------:|-------|---------:|-------------:|----------:|----------------------:|----------------:|-----------------:|-------------------:|");
        for (Row r : rows) {
            System.out.printf("| %5d | %6d | %-5s | %8d | %12d | %9.1f | %21.1f | %15.1f | %16.1f | %18.1f |%n", r.nodes(),
                    r.vmis(), r.cycle(), r.draining(), r.requests(), r.wallMs(), r.serverMs(), r.cpuMs(),
                    r.processCpuMs(), r.allocMiB());
        }
        System.out.println("Requests per cycle by kind:");
        for (Row r : rows) {
            System.out.printf("  %5d nodes, %s, %d draining: %s%n", r.nodes(), r.cycle(), r.draining(), r.byKind());
        }
        System.out.println("Heap after long runs (used after System.gc()):");
        heap.forEach(h -> System.out.println("  " + h));
        System.out.printf("total wall time %.1f s%n", (System.nanoTime() - t0) / 1e9);
        System.exit(0);
    }

    static Scenario scenario(int nodes) {
        Scenario.Builder b = Scenario.builder().kubeVirt("kubevirt", "v1.6.0");
        for (int n = 1; n <= nodes; n++) {
            b.node(Scenario.node("node-" + n, CpuProfile.SKYLAKE).memory("512Gi"));
            for (int v = 1; v <= VMIS_PER_NODE; v++) {
                b.vm(Scenario.vm("ns-" + (n % 10), "vm-" + n + "-" + v).on("node-" + n).hostModel().memory("1Gi"));
            }
        }
        return b.build();
    }

    static void measure(int nodes, List<Row> rows, List<String> heap, List<Build> builds) {
        long b0 = System.nanoTime();
        try (SimulatedCluster cluster = SimulatedCluster.start(scenario(nodes), new SimSettings(1000, 20, 0.01, 42));
             KubernetesClient kube = BenchSupport.client(cluster, BenchSupport.OBSERVER)) {
            cluster.simulator().stop();
            builds.add(new Build(nodes, (System.nanoTime() - b0) / 1e9));
            System.out.printf("%d nodes written in %.1f s%n", nodes, (System.nanoTime() - b0) / 1e9);
            DrainPilotRuntime rt = BenchSupport.drainPilot(cluster, Map.of("drainpilot.poll.period", "1h",
                    "drainpilot.await.period", "1h", "drainpilot.poll.initial-delay", "1h"));
            try {
                DrainScanner scanner = rt.bean("drainScanner", DrainScanner.class);
                NodeEvacuation evacuation = rt.bean("nodeEvacuation", NodeEvacuation.class);
                MigrationTracker tracker = rt.bean("migrationTracker", MigrationTracker.class);
                Runnable scan = () -> {
                    for (String node : scanner.scan()) {
                        DrainRequest r = scanner.request(node);
                        if (r != null) {
                            evacuation.evaluate(r);
                        }
                    }
                };
                // what the await route does: the nodes with migrations of ours, their ended migrations
                Runnable await = () -> {
                    for (String node : tracker.nodesWithOurMigrations()) {
                        DrainRequest r = scanner.request(node);
                        if (r != null) {
                            tracker.ended(r);
                        }
                    }
                };
                for (int draining : new int[]{0, 1}) {
                    if (draining == 1) {
                        BenchSupport.annotate(kube, "node-1", Names.DRAIN_REQUESTED, "true");
                    }
                    for (int i = 0; i < 3; i++) { // warm-up (and the first evaluate's drain start)
                        scan.run();
                        await.run();
                    }
                    rows.add(once(cluster, nodes, "scan", draining, scan));
                    rows.add(once(cluster, nodes, "await", draining, await));
                }
                // a long run: many cycles with one node draining; heap must not grow with them
                MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
                System.gc();
                long heapBefore = mem.getHeapMemoryUsage().getUsed();
                int cycles = nodes <= 100 ? 200 : nodes <= 1000 ? 50 : 20;
                long l0 = System.nanoTime();
                for (int i = 0; i < cycles; i++) {
                    scan.run();
                    await.run();
                }
                double secs = (System.nanoTime() - l0) / 1e9;
                System.gc();
                long heapAfter = mem.getHeapMemoryUsage().getUsed();
                heap.add(String.format("%5d nodes: %d scan+await cycles in %.1f s; heap used %.1f MiB before, %.1f MiB after "
                                + "(includes the in-process API server's %d objects)", nodes, cycles, secs,
                        heapBefore / 1048576.0, heapAfter / 1048576.0, nodes * (2 * VMIS_PER_NODE + 1)));
                System.out.println(heap.get(heap.size() - 1));
            } finally {
                rt.close();
            }
        }
    }

    static Row once(SimulatedCluster cluster, int nodes, String cycle, int draining, Runnable work) {
        Map<String, Long> before = cluster.record().requestCounts();
        long server0 = cluster.record().serverNanos();
        long tid = Thread.currentThread().getId();
        long cpu0 = THREADS.getCurrentThreadCpuTime();
        long alloc0 = THREADS.getThreadAllocatedBytes(tid);
        long pcpu0 = OS.getProcessCpuTime();
        long w0 = System.nanoTime();
        work.run();
        double wall = (System.nanoTime() - w0) / 1e6;
        double cpu = (THREADS.getCurrentThreadCpuTime() - cpu0) / 1e6;
        double pcpu = (OS.getProcessCpuTime() - pcpu0) / 1e6;
        double alloc = (THREADS.getThreadAllocatedBytes(tid) - alloc0) / 1048576.0;
        double server = (cluster.record().serverNanos() - server0) / 1e6;
        Map<String, Long> delta = BenchSupport.requestsBetween(before, cluster.record().requestCounts());
        long total = delta.values().stream().mapToLong(Long::longValue).sum();
        Row row = new Row(nodes, nodes * VMIS_PER_NODE, cycle, draining, total, delta, wall, server, cpu, pcpu, alloc);
        System.out.println(row);
        return row;
    }
}
