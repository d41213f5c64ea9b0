package io.drainpilot.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.drainpilot.app.DrainPilotRuntime;
import io.drainpilot.names.Names;
import io.drainpilot.sim.CpuProfile;
import io.drainpilot.sim.Scenario;
import io.drainpilot.sim.SimRecord;
import io.drainpilot.sim.SimSettings;
import io.drainpilot.sim.SimulatedCluster;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How well the estimated time left ({@code etaSeconds} of {@code /drainpilot/status}) predicts the end of a node's
 * evacuation, on three simulated clusters that differ in migration bandwidth, VM sizes, node count and parallelism.
 * DrainPilot runs at its default settings; each cluster drains node-1 once. From the moment the drain's first migration
 * has finished (the first moment there is a rate) until the node is {@code Completed}, the status is sampled every
 * {@link #SAMPLE_MILLIS} ms: predicted completion = sample time + etaSeconds, actual completion = when the observer
 * first sees {@code drainpilot.io/evacuation=Completed}; both in seconds since the drain annotation. Error = (predicted
 * - actual) / actual. Also printed: the error against the time that was really left at the sample, which grows as
 * the end nears (a second off at one second left is 100 %).
 * Run: {@code mvn -B -q test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=io.drainpilot.bench.EtaBenchmark}
 */
public final class EtaBenchmark {
    static final long SAMPLE_MILLIS = 1000;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One cluster to drain.
     *
     * @param sizesGi     memory of node-1's VMs, in order, repeated up to {@code vms}
     * @param bandwidth   the simulator's migration bandwidth (MiB/s, KubeVirt time)
     */
    record Cluster(String name, int nodes, int vms, List<Integer> sizesGi, double bandwidth, int perCluster,
            int outbound) {
        Scenario scenario() {
            Scenario.Builder b = Scenario.builder().kubeVirt("kubevirt", "v1.6.0").migrationLimits(perCluster, outbound);
            for (int i = 1; i <= nodes; i++) {
                b.node(Scenario.node("node-" + i, CpuProfile.SKYLAKE).memory("512Gi"));
            }
            for (int i = 0; i < vms; i++) {
                b.vm(Scenario.vm("default", String.format("vm-%02d", i + 1)).on("node-1").hostModel()
                        .memory(sizesGi.get(i % sizesGi.size()) + "Gi"));
            }
            return b.build();
        }

        /** A tenth of KubeVirt's time: 1 GiB at 100 MiB/s runs for about a second. */
        SimSettings sim() {
            return new SimSettings(20, bandwidth, 0.1, 42);
        }

        String describe() {
            return String.format("%d nodes, %d VMs of %s GiB, %.0f MiB/s (time x 0.1), caps %d/cluster %d/node", nodes,
                    vms, sizesGi.stream().map(String::valueOf).reduce((a, c) -> a + "/" + c).orElse(""), bandwidth,
                    perCluster, outbound);
        }
    }

    record Sample(double at, long etaSeconds, double predicted) {
    }

    record Result(Cluster cluster, double actual, double firstSucceeded, List<Sample> samples, int migrations) {
        List<Double> errors() {
            return samples.stream().map(s -> 100 * (s.predicted() - actual) / actual).toList();
        }

        List<Double> errorsOfRemaining() {
            return samples.stream().filter(s -> actual - s.at() > 0)
                    .map(s -> 100 * (s.predicted() - actual) / (actual - s.at())).toList();
        }
    }

    static final List<Cluster> CLUSTERS = List.of(
            new Cluster("A", 4, 12, List.of(2), 40, 5, 2),
            new Cluster("B", 8, 16, List.of(1, 2, 4, 8), 100, 5, 2),
            new Cluster("C", 3, 6, List.of(8), 200, 5, 1));

    public static void main(String[] args) {
        long t0 = System.nanoTime();
        List<Result> results = new ArrayList<>();
        for (Cluster c : CLUSTERS) {
            results.add(run(c));
        }
        System.out.println();
        System.out.println("EtaBenchmark: DrainPilot at its default settings, one drain of node-1 per cluster, sampled every "
                + SAMPLE_MILLIS + " ms from the first Succeeded to Completed; " + BenchSupport.machine());
        for (Result r : results) {
            System.out.println();
            System.out.printf("cluster %s: %s; %d migrations, first Succeeded at %.1f s, Completed at %.1f s%n",
                    r.cluster().name(), r.cluster().describe(), r.migrations(), r.firstSucceeded(), r.actual());
            System.out.println("| sample at (s) | etaSeconds | predicted end (s) | actual end (s) | error % | error % of time left |");
            System.out.println("|--------------:|-----------:|------------------:|---------------:|--------:|---------------------:|");
            for (Sample s : r.samples()) {
                double left = r.actual() - s.at();
                System.out.printf("| %13.1f | %10d | %17.1f | %14.1f | %7.1f | %20s |%n", s.at(), s.etaSeconds(),
                        s.predicted(), r.actual(), 100 * (s.predicted() - r.actual()) / r.actual(),
                        left > 0 ? String.format("%.1f", 100 * (s.predicted() - r.actual()) / left) : "-");
            }
        }
        System.out.println();
        System.out.println("| cluster | how | samples | median abs error % | max abs error % | median abs error % of time left |");
        System.out.println("|---|---|--:|--:|--:|--:|");
        for (Result r : results) {
            System.out.printf("| %s | %s | %d | %.1f | %.1f | %.1f |%n", r.cluster().name(), r.cluster().describe(),
                    r.samples().size(), median(abs(r.errors())), max(abs(r.errors())), median(abs(r.errorsOfRemaining())));
        }
        System.out.printf("total wall time %.1f s%n", (System.nanoTime() - t0) / 1e9);
        System.exit(0);
    }

    static Result run(Cluster c) {
        int port = io.drainpilot.flow.Harness.freePort();
        try (SimulatedCluster cluster = SimulatedCluster.start(c.scenario(), c.sim());
             KubernetesClient kube = BenchSupport.client(cluster, BenchSupport.OBSERVER)) {
            DrainPilotRuntime rt = BenchSupport.drainPilot(cluster, Map.of("camel.management.port", String.valueOf(port)));
            try {
                BenchSupport.sleep(1500); // started and idle
                long start = System.nanoTime();
                BenchSupport.annotate(kube, "node-1", Names.DRAIN_REQUESTED, "true");
                List<Sample> samples = new ArrayList<>();
                double firstSucceeded = Double.NaN;
                long nextSample = 0;
                while (!Names.COMPLETED.equals(BenchSupport.evacuation(kube, "node-1"))) {
                    double at = (System.nanoTime() - start) / 1e9;
                    boolean succeeded = cluster.record().outcomes().stream()
                            .anyMatch(o -> o.result() == SimRecord.Result.SUCCEEDED);
                    if (succeeded && Double.isNaN(firstSucceeded)) {
                        firstSucceeded = at;
                    }
                    if (succeeded && System.nanoTime() >= nextSample) {
                        JsonNode node = status(port);
                        if (node != null && node.path("etaSeconds").isIntegralNumber()) {
                            long eta = node.path("etaSeconds").asLong();
                            samples.add(new Sample(at, eta, at + eta));
                            nextSample = System.nanoTime() + SAMPLE_MILLIS * 1_000_000;
                        }
                    }
                    BenchSupport.sleep(20);
                }
                double actual = (System.nanoTime() - start) / 1e9;
                System.out.printf("cluster %s: Completed at %.1f s, %d samples%n", c.name(), actual, samples.size());
                return new Result(c, actual, firstSucceeded, samples, cluster.record().migrationsCreated().size());
            } finally {
                rt.close();
            }
        }
    }

    /** node-1's entry of the status JSON, or null when it is not on the board (yet, or any more). */
    static JsonNode status(int port) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/drainpilot/status"))
                    .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
            for (JsonNode n : JSON.readTree(r.body()).path("nodes")) {
                if ("node-1".equals(n.path("node").asText())) {
                    return n;
                }
            }
            return null;
        } catch (Exception e) {
            return null;
        }
    }

    static List<Double> abs(List<Double> v) {
        return v.stream().map(Math::abs).toList();
    }

    static double median(List<Double> v) {
        return BenchSupport.percentile(v, 50);
    }

    static double max(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }
}
