package io.drainpilot.bench;

import io.drainpilot.app.DrainPilotRuntime;
import io.drainpilot.names.Names;
import io.drainpilot.sim.SimulatedCluster;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Shared bits of the benchmarks (not a test: surefire runs none of this package's *Benchmark classes). */
final class BenchSupport {
    /** The benchmark's own observer client borrows the simulator's User-Agent, so SimRecord does not count its
     * requests: request counts are those of the system under test only. */
    static final String OBSERVER = io.drainpilot.sim.SimDispatcher.SIM_USER_AGENT;

    private BenchSupport() {
    }

    static KubernetesClient client(SimulatedCluster cluster, String agent) {
        Config config = new ConfigBuilder(Config.empty()).withMasterUrl(cluster.masterUrl()).withTrustCerts(true)
                .withNamespace("default").withUserAgent(agent).withRequestRetryBackoffLimit(0)
                .withRequestTimeout(120_000).build();
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    static DrainPilotRuntime drainPilot(SimulatedCluster cluster, Map<String, String> overrides) {
        return DrainPilotRuntime.create(Path.of("config/application.properties"), overrides, cluster.newClient()).start();
    }

    static void annotate(KubernetesClient kube, String node, String key, String value) {
        io.drainpilot.flow.Harness.annotateNode(kube, node, key, value);
    }

    static String evacuation(KubernetesClient kube, String node) {
        Node n = kube.nodes().withName(node).get();
        Map<String, String> a = n.getMetadata().getAnnotations();
        return a == null ? null : a.get(Names.EVACUATION);
    }

    /** Requests per method and kind made between two {@code SimRecord.requestCounts()} snapshots. */
    static Map<String, Long> requestsBetween(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> delta = new java.util.TreeMap<>();
        after.forEach((k, v) -> {
            long d = v - before.getOrDefault(k, 0L);
            if (d > 0) {
                delta.put(k, d);
            }
        });
        return delta;
    }

    static double percentile(List<Double> values, double p) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static String machine() {
        return Runtime.getRuntime().availableProcessors() + " cores, Java " + System.getProperty("java.version")
                + ", max heap " + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MiB";
    }
}
