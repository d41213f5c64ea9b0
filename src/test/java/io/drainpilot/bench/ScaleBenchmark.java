package io.drainpilot.bench;

import io.drainpilot.app.DrainPilotRuntime;
import io.drainpilot.drain.DrainScanner;
import io.drainpilot.drain.NodeEvacuation;
import io.drainpilot.names.Names;
import io.drainpilot.sim.CpuProfile;
import io.drainpilot.sim.Scenario;
import io.drainpilot.sim.SimSettings;
import io.drainpilot.sim.SimulatedCluster;
import io.drainpilot.view.ClusterView;
import io.drainpilot.work.DrainRequest;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * DrainPilot at scale: simulated clusters whose Nodes carry what real Harvester nodes carry (node-feature-discovery
 * labels, 40 images, managedFields: about 25 KB each) and 10 VMIs per node. For each size:
 * <ol>
 *   <li>the real jar in a JVM of its own ({@code java -Xmx1g -jar target/drainpilot.jar}, KUBECONFIG pointing at the
 *   simulated cluster), as an operator runs it: time until ready (its caches filled), the requests it makes while idle
 *   for a minute afterwards (lists and watches counted apart), its used heap after a full GC ({@code jcmd GC.run},
 *   {@code GC.heap_info}) and its resident memory;</li>
 *   <li>in this JVM, the evaluation of a draining node as the evacuate-node route does it, called on this thread:
 *   CPU and allocation of the first evaluation (it opens the watches of the node's VMIs and its candidate targets) and
 *   the median of the next twenty.</li>
 * </ol>
 * The simulated KubeVirt is stopped after the scenario is written (nothing moves; only DrainPilot's requests count).
 * Needs the jar: {@code mvn -B -q package -DskipTests} first.
 * Run: {@code mvn -B -q test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=io.drainpilot.bench.ScaleBenchmark
 * [-Dexec.args="1000 5000"]}
 */
public final class ScaleBenchmark {
    static final int VMIS_PER_NODE = 10;
    static final Duration IDLE = Duration.ofSeconds(60);
    static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    record Row(int nodes, int vmis, double nodeKb, double writeSeconds, double bareSyncedSeconds, double readySeconds, Map<String, Long> idle,
               double heapMiB, double rssMiB, double firstCpuMs, double firstAllocMiB, double cpuMs, double allocMiB) {
    }

    public static void main(String[] args) throws Exception {
        int[] sizes = args.length == 0 ? new int[]{1000, 5000}
                : java.util.Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
        Path jar = Path.of("target/drainpilot.jar");
        if (!Files.isRegularFile(jar)) {
            System.err.println("target/drainpilot.jar missing: run mvn -B -q package -DskipTests first");
            System.exit(2);
        }
        List<Row> rows = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int nodes : sizes) {
            rows.add(measure(nodes, jar));
        }
        System.out.println();
        System.out.println("ScaleBenchmark: " + VMIS_PER_NODE + " VMIs per node, real-world Node objects; "
                + BenchSupport.machine());
        System.out.println("| nodes | VMIs   | node object (KB) | written (s) | bare Node informer synced (s) | DrainPilot ready (s)"
                + " | requests idle " + IDLE.toSeconds()
                + " s | heap after GC (MiB) | RSS (MiB) | 1st evaluation CPU (ms) / alloc (MiB) | evaluation CPU (ms) / alloc (MiB) |");
        System.out.println("|------:|-------:|-----------------:|------------:|------------------------------:|---------------------:|"
                + "------------------:|--------------------:|----------:|--------------------------------------:|----------------------------------:|");
        for (Row r : rows) {
            System.out.printf("| %5d | %6d | %16.1f | %11.1f | %29.1f | %20.1f | %17s | %19.1f | %9.1f | %23.1f / %12.1f | %18.1f / %12.1f |%n",
                    r.nodes(), r.vmis(), r.nodeKb(), r.writeSeconds(), r.bareSyncedSeconds(), r.readySeconds(),
                    r.idle().isEmpty() ? "0" : r.idle().toString(), r.heapMiB(), r.rssMiB(), r.firstCpuMs(),
                    r.firstAllocMiB(), r.cpuMs(), r.allocMiB());
        }
        System.out.printf("total wall time %.1f s%n", (System.nanoTime() - t0) / 1e9);
        System.exit(0);
    }

    static Scenario scenario(int nodes) {
        Scenario.Builder b = Scenario.builder().kubeVirt("kubevirt", "v1.6.0");
        for (int n = 1; n <= nodes; n++) {
            b.node(Scenario.node("node-" + n, CpuProfile.SKYLAKE).memory("512Gi").realWorldBulk());
            for (int v = 1; v <= VMIS_PER_NODE; v++) {
                b.vm(Scenario.vm("ns-" + (n % 10), "vm-" + n + "-" + v).on("node-" + n).hostModel().memory("1Gi"));
            }
        }
        return b.build();
    }

    static Row measure(int nodes, Path jar) throws Exception {
        long b0 = System.nanoTime();
        try (SimulatedCluster cluster = SimulatedCluster.start(scenario(nodes), new SimSettings(1000, 20, 0.01, 42));
             KubernetesClient kube = BenchSupport.client(cluster, BenchSupport.OBSERVER)) {
            cluster.simulator().stop();
            double written = (System.nanoTime() - b0) / 1e9;
            double nodeKb = Serialization.asJson(kube.nodes().withName("node-1").get()).length() / 1024.0;
            System.out.printf("%d nodes / %d VMIs written in %.1f s; a Node object is %.1f KB%n", nodes,
                    nodes * VMIS_PER_NODE, written, nodeKb);

            // 0. the bare baseline: the least any watch-based controller waits for, one Node informer in this JVM
            long i0 = System.nanoTime();
            double bareSynced;
            try (KubernetesClient bare = BenchSupport.client(cluster, "bare-informer");
                 var informer = bare.nodes().inform()) {
                informer.start().toCompletableFuture().get(15, TimeUnit.MINUTES);
                bareSynced = (System.nanoTime() - i0) / 1e9;
            }

            // 1. the jar, in its own JVM
            Path kubeconfig = Files.createTempFile("drainpilot-bench", ".kubeconfig");
            Files.writeString(kubeconfig, """
                    apiVersion: v1
                    kind: Config
                    clusters: [{name: sim, cluster: {server: "%s"}}]
                    users: [{name: sim, user: {}}]
                    contexts: [{name: sim, context: {cluster: sim, user: sim}}]
                    current-context: sim
                    """.formatted(cluster.masterUrl()));
            int port = io.drainpilot.flow.Harness.freePort();
            Path log = Path.of("target", "scale-benchmark-" + nodes + ".log");
            ProcessBuilder pb = new ProcessBuilder(javaBin(), "-Xmx1g", "-jar", jar.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("KUBECONFIG", kubeconfig.toString());
            pb.environment().put("CAMEL_MANAGEMENT_PORT", String.valueOf(port));
            long s0 = System.nanoTime();
            Process process = pb.start();
            double ready;
            Map<String, Long> idle;
            double heap;
            double rss;
            try {
                awaitReady(port, Duration.ofMinutes(15));
                ready = (System.nanoTime() - s0) / 1e9;
                Map<String, Long> before = cluster.record().requestCounts();
                Thread.sleep(IDLE.toMillis()); // the measurement window itself, not a wait for something
                idle = BenchSupport.requestsBetween(before, cluster.record().requestCounts());
                heap = heapAfterGc(process.pid());
                rss = rssMiB(process.pid());
            } finally {
                process.destroy();
                process.waitFor(30, TimeUnit.SECONDS);
                Files.deleteIfExists(kubeconfig);
            }
            System.out.printf("%d nodes: bare Node informer synced after %.1f s; DrainPilot (JVM start included, log in %s)"
                    + " ready after %.1f s; idle for %d s: %s; heap after GC %.1f MiB, RSS %.1f MiB%n",
                    nodes, bareSynced, log, ready, IDLE.toSeconds(), idle, heap, rss);

            // 2. evaluations of a draining node, on this thread
            BenchSupport.annotate(kube, "node-1", Names.DRAIN_REQUESTED, "true");
            DrainPilotRuntime rt = BenchSupport.drainPilot(cluster, Map.of("drainpilot.poll.period", "1h",
                    "drainpilot.await.period", "1h", "drainpilot.poll.initial-delay", "1h", "drainpilot.dry-run", "true"));
            try {
                ClusterView view = rt.bean("clusterView", ClusterView.class);
                if (!view.awaitSynced(Duration.ofMinutes(15))) {
                    throw new IllegalStateException("the view did not sync: " + view.notSynced());
                }
                DrainScanner scanner = rt.bean("drainScanner", DrainScanner.class);
                NodeEvacuation evacuation = rt.bean("nodeEvacuation", NodeEvacuation.class);
                double[] first = evaluate(scanner, evacuation);
                List<Double> cpu = new ArrayList<>();
                List<Double> alloc = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    double[] m = evaluate(scanner, evacuation);
                    cpu.add(m[0]);
                    alloc.add(m[1]);
                }
                return new Row(nodes, nodes * VMIS_PER_NODE, nodeKb, written, bareSynced, ready, idle, heap, rss, first[0], first[1],
                        BenchSupport.percentile(cpu, 50), BenchSupport.percentile(alloc, 50));
            } finally {
                rt.close();
            }
        }
    }

    /** One evaluation of node-1 (dry run: decided, nothing written): thread CPU ms and allocated MiB. */
    static double[] evaluate(DrainScanner scanner, NodeEvacuation evacuation) {
        long id = Thread.currentThread().getId();
        long cpu0 = THREADS.getThreadCpuTime(id);
        long alloc0 = THREADS.getThreadAllocatedBytes(id);
        DrainRequest r = scanner.request("node-1");
        evacuation.evaluate(r);
        return new double[]{(THREADS.getThreadCpuTime(id) - cpu0) / 1e6,
                (THREADS.getThreadAllocatedBytes(id) - alloc0) / (1024.0 * 1024)};
    }

    static void awaitReady(int port, Duration timeout) throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                        URI.create("http://localhost:" + port + "/observe/health/ready")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("DrainPilot was not ready within " + timeout);
    }

    /** {@code jcmd <pid> GC.run}, then the used heap from {@code GC.heap_info}, in MiB. */
    static double heapAfterGc(long pid) throws Exception {
        run(jdkTool("jcmd"), String.valueOf(pid), "GC.run");
        String info = run(jdkTool("jcmd"), String.valueOf(pid), "GC.heap_info");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("used (\\d+)K").matcher(info);
        if (!m.find()) {
            throw new IllegalStateException("no heap figure in: " + info);
        }
        return Long.parseLong(m.group(1)) / 1024.0;
    }

    static double rssMiB(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D+", "")) / 1024.0;
            }
        }
        return Double.NaN;
    }

    static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor(60, TimeUnit.SECONDS);
        return out;
    }

    static String javaBin() {
        return jdkTool("java");
    }

    static String jdkTool(String name) {
        return Path.of(System.getProperty("java.home"), "bin", name).toString();
    }
}
