package io.drainpilot.flow;

import io.drainpilot.app.DrainPilotRuntime;
import io.drainpilot.names.Names;
import io.drainpilot.work.EvacuationSummary;
import io.drainpilot.kubevirt.VirtualMachine;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.kubevirt.VirtualMachineInstanceMigration;
import io.drainpilot.sim.Scenario;
import io.drainpilot.sim.SimSettings;
import io.drainpilot.sim.SimulatedCluster;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;

/**
 * A simulated cluster plus real DrainPilot processes (the YAML routes from routes/, config/ from disk),
 * with the few steps scenario tests need. Polling is fast so scenarios take seconds.
 */
public final class Harness implements AutoCloseable {
    public static final Duration PATIENCE = Duration.ofSeconds(60);

    public final SimulatedCluster cluster;
    /** The test's own view of the cluster (not DrainPilot's client). */
    public final KubernetesClient kube;
    private final List<DrainPilotRuntime> processes = new java.util.ArrayList<>();
    private final List<KubernetesClient> clients = new java.util.ArrayList<>();

    public Harness(Scenario scenario) {
        this(scenario, SimSettings.forTests());
    }

    public Harness(Scenario scenario, SimSettings settings) {
        cluster = SimulatedCluster.start(scenario, settings);
        kube = cluster.newClient("drainpilot-test");
    }

    /** Fast polling and short waits; each test may override more. */
    public static Map<String, String> fastSettings() {
        Map<String, String> p = new HashMap<>();
        p.put("drainpilot.poll.period", "200ms");
        p.put("drainpilot.await.period", "200ms");
        p.put("drainpilot.poll.initial-delay", "100ms");
        p.put("drainpilot.recovery.backoff", "500ms");
        p.put("drainpilot.api.retry.delay", "50");
        return p;
    }

    public DrainPilotRuntime startDrainPilot(Map<String, String> overrides) {
        return startDrainPilot(overrides, cluster.newClient());
    }

    /**
     * A process whose client names itself with its own User-Agent, the simulated API server's stand-in for a user
     * (the test's own client is another one).
     */
    public DrainPilotRuntime startDrainPilot(Map<String, String> overrides, String userAgent) {
        io.fabric8.kubernetes.client.Config config = new io.fabric8.kubernetes.client.ConfigBuilder(
                io.fabric8.kubernetes.client.Config.empty()).withMasterUrl(cluster.masterUrl()).withTrustCerts(true)
                .withNamespace("default").withUserAgent(userAgent).withRequestRetryBackoffLimit(0).build();
        return startDrainPilot(overrides, new io.fabric8.kubernetes.client.KubernetesClientBuilder().withConfig(config).build());
    }

    private DrainPilotRuntime startDrainPilot(Map<String, String> overrides, KubernetesClient client) {
        Map<String, String> all = fastSettings();
        // every process gets its own free management port (health, metrics, status page): no collisions
        all.put("camel.management.port", String.valueOf(freePort()));
        all.putAll(overrides);
        clients.add(client);
        DrainPilotRuntime rt = DrainPilotRuntime.create(Path.of("config/application.properties"), all, client).start();
        processes.add(rt);
        return rt;
    }

    /** The port a process serves health, metrics and the status page on. */
    public static int port(DrainPilotRuntime rt) {
        return Integer.parseInt(rt.context().getPropertiesComponent().resolveProperty("camel.management.port").orElseThrow());
    }

    public static int freePort() {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public DrainPilotRuntime startDrainPilot() {
        return startDrainPilot(Map.of());
    }

    public void annotateNode(String node, String key, String value) {
        annotateNode(kube, node, key, value);
    }

    /** Sets (value) or removes (null) one annotation on a node, as a person or another controller would. */
    public static void annotateNode(KubernetesClient kube, String node, String key, String value) {
        retryOnConflict(() -> editAnnotation(kube, node, key, value));
    }

    /** DrainPilot writes the same objects: on a conflict read again and redo the change, as any controller does. */
    public static void retryOnConflict(Runnable change) {
        for (int attempt = 1; ; attempt++) {
            try {
                change.run();
                return;
            } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                if (e.getCode() != 409 || attempt >= 10) {
                    throw e;
                }
            }
        }
    }

    private static void editAnnotation(KubernetesClient kube, String node, String key, String value) {
        kube.nodes().withName(node).edit(n -> {
            if (n.getMetadata().getAnnotations() == null) {
                n.getMetadata().setAnnotations(new HashMap<>());
            }
            if (value == null) {
                n.getMetadata().getAnnotations().remove(key);
            } else {
                n.getMetadata().getAnnotations().put(key, value);
            }
            return n;
        });
    }

    public void requestDrain(String node) {
        annotateNode(node, Names.DRAIN_REQUESTED, "true");
    }

    /** What Rancher does before draining a node of a Harvester upgrade: drain options, cordon, ask the pre-drain hooks. */
    public void rancherPreDrain(String node, String drainOptionsJson) {
        rancherAnnounceDrain(node, drainOptionsJson);
        annotatePlanSecret(node, Names.RANCHER_PRE_DRAIN, drainOptionsJson);
    }

    /** Rancher's first two steps of a node's drain: its drain options on the plan Secret, then the cordon. */
    public void rancherAnnounceDrain(String node, String drainOptionsJson) {
        annotatePlanSecret(node, Names.RANCHER_DRAIN_OPTIONS, drainOptionsJson);
        retryOnConflict(() -> kube.nodes().withName(node).edit(n -> {
            n.getSpec().setUnschedulable(true);
            return n;
        }));
    }

    public void annotatePlanSecret(String node, String key, String value) {
        retryOnConflict(() -> kube.secrets().inNamespace(Names.RANCHER_PLAN_NAMESPACE).withName(planSecret(node)).edit(s -> {
            if (s.getMetadata().getAnnotations() == null) {
                s.getMetadata().setAnnotations(new HashMap<>());
            }
            s.getMetadata().getAnnotations().put(key, value);
            return s;
        }));
    }

    /** What Rancher does once the node is upgraded: clear the pre-drain request and the hooks, uncordon. */
    public void rancherFinish(String node) {
        retryOnConflict(() -> kube.secrets().inNamespace(Names.RANCHER_PLAN_NAMESPACE).withName(planSecret(node)).edit(s -> {
            s.getMetadata().getAnnotations().remove(Names.RANCHER_PRE_DRAIN);
            s.getMetadata().getAnnotations().remove(Names.RANCHER_DRAIN_OPTIONS);
            s.getMetadata().getAnnotations().remove(Names.PRE_HOOK);
            return s;
        }));
        retryOnConflict(() -> kube.nodes().withName(node).edit(n -> {
            n.getSpec().setUnschedulable(false);
            return n;
        }));
    }

    public String preHook(String node) {
        Map<String, String> a = kube.secrets().inNamespace(Names.RANCHER_PLAN_NAMESPACE).withName(planSecret(node)).get()
                .getMetadata().getAnnotations();
        return a == null ? null : a.get(Names.PRE_HOOK);
    }

    private String planSecret(String node) {
        String machine = node(node).getMetadata().getAnnotations().get(Names.CAPI_MACHINE_ANNOTATION);
        return kube.secrets().inNamespace(Names.RANCHER_PLAN_NAMESPACE).withLabel(Names.RANCHER_MACHINE_NAME_LABEL, machine)
                .list().getItems().get(0).getMetadata().getName();
    }

    /** Migrations created per VMI, from the simulator's record: more than one in flight at a time would be a bug. */
    public Map<String, Long> migrationsCreatedPerVmi() {
        Map<String, Long> out = new java.util.TreeMap<>();
        cluster.record().migrationsCreated().forEach(c -> out.merge(c.namespace() + "/" + c.vmiName(), 1L, Long::sum));
        return out;
    }

    public Node node(String name) {
        return kube.nodes().withName(name).get();
    }

    public String evacuation(String node) {
        Map<String, String> a = node(node).getMetadata().getAnnotations();
        return a == null ? null : a.get(Names.EVACUATION);
    }

    public EvacuationSummary summary(String node) {
        Map<String, String> a = node(node).getMetadata().getAnnotations();
        return a == null ? null : EvacuationSummary.parse(a.get(Names.EVACUATION_SUMMARY));
    }

    public void awaitEvacuation(String node, String state) {
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> org.assertj.core.api.Assertions.assertThat(evacuation(node))
                        .as("drainpilot.io/evacuation on %s (summary %s)", node, summary(node)).isEqualTo(state));
    }

    /** Waits until the last DrainPilot started has the first lists of its watches (what readiness waits for). */
    public void awaitReady() {
        DrainPilotRuntime rt = processes.get(processes.size() - 1);
        io.drainpilot.view.ClusterView view = rt.bean("clusterView", io.drainpilot.view.ClusterView.class);
        await().atMost(PATIENCE).until(view::synced);
    }

    /**
     * Waits until the scan route of the last DrainPilot started has completed {@code scans} more times, and each node
     * those scans queued has been evaluated (the evaluation queue is empty again).
     */
    public void awaitScans(int scans) {
        DrainPilotRuntime rt = processes.get(processes.size() - 1);
        org.apache.camel.builder.NotifyBuilder done = new org.apache.camel.builder.NotifyBuilder(rt.context())
                .fromRoute("scan").whenCompleted(scans).create();
        org.assertj.core.api.Assertions.assertThat(done.matches(PATIENCE.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS))
                .as("%d scans within %s", scans, PATIENCE).isTrue();
        io.drainpilot.work.NodeQueue queue = rt.bean("nodeQueue", io.drainpilot.work.NodeQueue.class);
        await().atMost(PATIENCE).until(() -> queue.pending() == 0);
    }

    public VirtualMachineInstance vmi(String ns, String name) {
        return kube.resources(VirtualMachineInstance.class).inNamespace(ns).withName(name).get();
    }

    public VirtualMachine vm(String ns, String name) {
        return kube.resources(VirtualMachine.class).inNamespace(ns).withName(name).get();
    }

    public List<VirtualMachine> vms() {
        return kube.resources(VirtualMachine.class).inAnyNamespace().list().getItems();
    }

    public String nodeOf(String ns, String vmi) {
        VirtualMachineInstance v = vmi(ns, vmi);
        return v == null ? null : v.nodeName().orElse(null);
    }

    public List<VirtualMachineInstanceMigration> migrations() {
        return kube.resources(VirtualMachineInstanceMigration.class).inAnyNamespace().list().getItems();
    }

    public void stop(DrainPilotRuntime rt) {
        rt.close();
        processes.remove(rt);
    }

    /**
     * The most migrations DrainPilot had open at once (created and not yet Succeeded or Failed, as the simulated
     * cluster recorded them), per {@code key} of the created migration; a null key is not counted. Measures what
     * DrainPilot asked for, not what the simulated KubeVirt let run (it holds back what exceeds its own limits).
     */
    public Map<String, Integer> mostOpenAtOnce(java.util.function.Function<io.drainpilot.sim.SimRecord.CreatedMigration, String> key) {
        io.drainpilot.sim.SimRecord record = cluster.record();
        Map<String, java.time.Instant> ended = new HashMap<>();
        record.phaseTransitions().stream().filter(t -> t.phase().isFinal())
                .forEach(t -> ended.putIfAbsent(t.namespace() + "/" + t.migration(), t.time()));
        // (time, +1 or -1, key); at the same instant an end comes before a start
        List<Object[]> changes = new java.util.ArrayList<>();
        for (var c : record.migrationsCreated()) {
            String k = key.apply(c);
            if (k == null) {
                continue;
            }
            changes.add(new Object[]{c.time(), 1, k});
            java.time.Instant end = ended.get(c.namespace() + "/" + c.name());
            if (end != null) {
                changes.add(new Object[]{end, -1, k});
            }
        }
        changes.sort(java.util.Comparator.<Object[], java.time.Instant>comparing(e -> (java.time.Instant) e[0])
                .thenComparing(e -> (Integer) e[1]));
        Map<String, Integer> open = new HashMap<>();
        Map<String, Integer> most = new java.util.TreeMap<>();
        for (Object[] e : changes) {
            int now = open.merge((String) e[2], (Integer) e[1], Integer::sum);
            most.merge((String) e[2], now, Math::max);
        }
        return most;
    }

    /**
     * Checked after every scenario: a VM that DrainPilot stopped (shutdown-restart) and that is still stopped must
     * carry the alert that said so. Nothing is left stopped by accident.
     */
    public void assertNoVmLeftStoppedSilently() {
        for (VirtualMachine vm : kube.resources(VirtualMachine.class).inAnyNamespace().list().getItems()) {
            Map<String, String> ann = vm.getMetadata().getAnnotations() == null ? Map.of() : vm.getMetadata().getAnnotations();
            if (VirtualMachine.HALTED.equals(vm.runStrategy()) && ann.containsKey(io.drainpilot.names.Bookkeeping.STOPPED_FOR_NODE)) {
                boolean alerted = kube.v1().events().inAnyNamespace().list().getItems().stream()
                        .anyMatch(e -> vm.getMetadata().getName().equals(e.getInvolvedObject().getName())
                                && io.drainpilot.alert.AlertEvents.eventReason("shutdown-restart").equals(e.getReason()));
                org.assertj.core.api.Assertions.assertThat(alerted)
                        .as("VM %s/%s was stopped by DrainPilot without an alert", vm.getMetadata().getNamespace(),
                                vm.getMetadata().getName()).isTrue();
            }
        }
    }

    @Override
    public void close() {
        try {
            assertNoVmLeftStoppedSilently();
        } finally {
            shutdown();
        }
    }

    private void shutdown() {
        processes.forEach(DrainPilotRuntime::close);
        clients.forEach(KubernetesClient::close);
        kube.close();
        cluster.close();
    }
}
