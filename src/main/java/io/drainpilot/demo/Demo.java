package io.drainpilot.demo;

import io.drainpilot.CommandLine;
import io.drainpilot.DrainPilotRuntime;
import io.drainpilot.names.Names;
import io.drainpilot.drain.EvacuationSummary;
import io.drainpilot.kubevirt.VirtualMachine;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.sim.Scenarios;
import io.drainpilot.sim.SimSettings;
import io.drainpilot.sim.SimulatedCluster;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * {@code --demo}: a simulated three-node Harvester cluster (two Intel, one AMD) during an upgrade. Rancher asks to
 * drain node-1; DrainPilot moves the upgrade-repo VM first, keeps the host-passthrough VM on the same CPU, retries
 * a migration that fails once, falls back for the two VMs that cannot move, releases the hook, and restarts the
 * VM it stopped. Exits 0 when all of that happened.
 */
public final class Demo {
    private static final Duration LIMIT = Duration.ofMinutes(3);
    private static final String DRAIN_OPTIONS = "{\"IgnoreErrors\":false,\"DeleteEmptyDirData\":true,\"Force\":true,"
            + "\"GracePeriod\":-1,\"Timeout\":0,\"PreDrainHooks\":[{\"annotation\":\"harvesterhci.io/pre-hook\"},"
            + "{\"annotation\":\"drainpilot.io/pre-hook\"}]}";

    private final PrintStream out;
    private final SimulatedCluster cluster;
    private final KubernetesClient kube;

    private Demo(PrintStream out, SimulatedCluster cluster) {
        this.out = out;
        this.cluster = cluster;
        this.kube = cluster.newClient();
    }

    public static int run(CommandLine cli) {
        return run(cli, System.out);
    }

    public static int run(CommandLine cli, PrintStream out) {
        out.println("""

                DrainPilot demo: a Harvester upgrade drains node-1 of a simulated 3-node cluster
                  node-1, node-2: Intel Skylake     node-3: AMD EPYC     KubeVirt v1.6.0
                """);
        try (SimulatedCluster cluster = SimulatedCluster.start(Scenarios.harvesterDemo(), SimSettings.forDemo())) {
            return new Demo(out, cluster).play(cli);
        }
    }

    /** {@code preferred} when nothing listens there, else a free port the system picks. */
    static int freePort(int preferred) {
        for (int p : new int[] {preferred, 0}) {
            try (java.net.ServerSocket s = new java.net.ServerSocket(p)) {
                s.setReuseAddress(true);
                return s.getLocalPort();
            } catch (java.io.IOException e) {
                // taken: try the next
            }
        }
        throw new IllegalStateException("no free TCP port for the management server");
    }

    private int play(CommandLine cli) {
        Map<String, String> before = placement();
        say("VMs on node-1 before the drain:");
        before.forEach((vm, node) -> out.println("    " + vm + " on " + node + "  (" + cpuOf(vm) + ")"));
        // one migration will fail once, as real ones sometimes do: watch the retry
        cluster.simulator().failNextMigrationOf("default", "app-host-model",
                "migration failed: target virt-launcher pod lost its connection (injected by the demo)");

        Map<String, String> settings = new HashMap<>();
        settings.put("drainpilot.poll.period", "1s");
        settings.put("drainpilot.await.period", "500ms");
        settings.put("drainpilot.poll.initial-delay", "500ms");
        settings.put("drainpilot.recovery.backoff", "2s");
        // the configured management port (9876) when free, else any free one: the demo never collides
        int port = freePort(9876);
        settings.put("camel.management.port", String.valueOf(port));
        try (DrainPilotRuntime drainPilot = DrainPilotRuntime.create(cli.config(), settings, cluster.newClient()).start()) {
            say("DrainPilot is running (routes from routes/, settings from " + cli.config() + ").");
            say("Watch it at http://localhost:" + port + "/drainpilot/ (metrics: /observe/metrics)"
                    + (port == 9876 ? "." : "; port 9876 is taken, so the demo uses " + port + "."));
            say("Rancher cordons node-1 and writes rke.cattle.io/pre-drain on its machine-plan Secret;");
            say("the drain waits until every pre-drain hook, drainpilot.io/pre-hook included, holds the same value.");
            rancherPreDrain("node-1");

            boolean released = waitFor(() -> DRAIN_OPTIONS.equals(preHook("node-1")), "the pre-drain hook to be released");
            if (!released) {
                return fail("node-1 was not released in time; evacuation is " + evacuation("node-1"));
            }
            say("Hook released: drainpilot.io/pre-hook now equals rke.cattle.io/pre-drain exactly. Rancher may drain node-1.");
            boolean restarted = waitFor(() -> running("legacy-local-disk"), "the stopped VM to start again");
            if (!restarted) {
                return fail("legacy-local-disk was not restarted after the release");
            }
            summary(before);
            boolean repoMoved = !"node-1".equals(placement().get("harvester-system/" + Scenarios.UPGRADE_REPO_VM));
            boolean passthroughSafe = "node-2".equals(placement().get("default/web-passthrough"));
            return repoMoved && passthroughSafe ? 0 : fail("a VM ended up somewhere it should not be");
        }
    }

    private void summary(Map<String, String> before) {
        EvacuationSummary s = EvacuationSummary.parse(node("node-1").get(Names.EVACUATION_SUMMARY));
        say("Summary of node-1: evacuation " + evacuation("node-1") + ", " + (s == null ? "{}" : s.toJson()));
        Map<String, String> after = placement();
        before.keySet().forEach(vm -> out.printf("    %-45s %s%n", vm, before.get(vm).equals(after.get(vm))
                ? "stays on " + before.get(vm) + " (released to KubeVirt's own eviction handling)"
                : before.get(vm) + " -> " + after.getOrDefault(vm, "(stopped)")));
        say("Alerts recorded as Kubernetes Events:");
        List<Event> events = kube.v1().events().inAnyNamespace().list().getItems().stream()
                .filter(e -> e.getReason() != null && e.getReason().startsWith("DrainPilot"))
                .filter(e -> !"Node".equals(e.getInvolvedObject().getKind())).toList();
        events.forEach(e -> out.println("    " + e.getReason() + ": " + e.getMessage()));
        say("Done: the upgrade-repo VM kept serving on " + after.get("harvester-system/" + Scenarios.UPGRADE_REPO_VM)
                + ", the host-passthrough VM went only to the node with the same CPU.");
    }

    private boolean waitFor(BooleanSupplier condition, String what) {
        Instant deadline = Instant.now().plus(LIMIT);
        String lastProgress = "";
        while (Instant.now().isBefore(deadline)) {
            if (condition.getAsBoolean()) {
                return true;
            }
            String progress = evacuation("node-1") + " " + node("node-1").getOrDefault(Names.EVACUATION_SUMMARY, "");
            if (!progress.equals(lastProgress)) {
                say("node-1: " + progress);
                lastProgress = progress;
            }
            try {
                Thread.sleep(250); // a person watching, not synchronisation: the loop re-checks the cluster
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        say("gave up waiting for " + what + " after " + LIMIT.toMinutes() + " minutes");
        return false;
    }

    private void rancherPreDrain(String node) {
        kube.nodes().withName(node).edit(n -> {
            n.getSpec().setUnschedulable(true);
            return n;
        });
        Secret plan = planSecret(node);
        kube.secrets().inNamespace(plan.getMetadata().getNamespace()).withName(plan.getMetadata().getName()).edit(s -> {
            s.getMetadata().setAnnotations(new HashMap<>(s.getMetadata().getAnnotations() == null ? Map.of()
                    : s.getMetadata().getAnnotations()));
            s.getMetadata().getAnnotations().put(Names.RANCHER_PRE_DRAIN, DRAIN_OPTIONS);
            return s;
        });
    }

    private String preHook(String node) {
        Map<String, String> a = planSecret(node).getMetadata().getAnnotations();
        return a == null ? null : a.get(Names.PRE_HOOK);
    }

    private Secret planSecret(String node) {
        String machine = node(node).get(Names.CAPI_MACHINE_ANNOTATION);
        return kube.secrets().inNamespace(Names.RANCHER_PLAN_NAMESPACE)
                .withLabel(Names.RANCHER_MACHINE_NAME_LABEL, machine).list().getItems().get(0);
    }

    private Map<String, String> node(String name) {
        Map<String, String> a = kube.nodes().withName(name).get().getMetadata().getAnnotations();
        return a == null ? Map.of() : a;
    }

    private String evacuation(String node) {
        return node(node).getOrDefault(Names.EVACUATION, "(not started)");
    }

    private Map<String, String> placement() {
        Map<String, String> where = new LinkedHashMap<>();
        kube.resources(VirtualMachineInstance.class).inAnyNamespace().list().getItems().forEach(v ->
                where.put(v.getMetadata().getNamespace() + "/" + v.getMetadata().getName(), v.nodeName().orElse("?")));
        return where;
    }

    private boolean running(String vm) {
        VirtualMachine v = kube.resources(VirtualMachine.class).inNamespace("default").withName(vm).get();
        VirtualMachineInstance i = kube.resources(VirtualMachineInstance.class).inNamespace("default").withName(vm).get();
        return v != null && !VirtualMachine.HALTED.equals(v.runStrategy()) && i != null && "Running".equals(i.phase());
    }

    private String cpuOf(String vm) {
        String[] ns = vm.split("/");
        VirtualMachineInstance v = kube.resources(VirtualMachineInstance.class).inNamespace(ns[0]).withName(ns[1]).get();
        var cpu = v.getSpec() == null || v.getSpec().domain == null ? null : v.getSpec().domain.cpu;
        return cpu == null || cpu.model == null ? "cpu: KubeVirt default (host-model)" : "cpu: " + cpu.model;
    }

    private void say(String line) {
        out.println("demo: " + line);
    }

    private int fail(String why) {
        say("FAILED: " + why);
        return 1;
    }
}
