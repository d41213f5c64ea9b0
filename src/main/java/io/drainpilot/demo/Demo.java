package io.drainpilot.demo;

import io.drainpilot.app.DrainPilotRuntime;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.names.Names;
import io.drainpilot.sim.HarvesterRecord;
import io.drainpilot.sim.HarvesterSpec;
import io.drainpilot.sim.HarvesterUpgradeSimulator;
import io.drainpilot.sim.NodeUpgradeState;
import io.drainpilot.sim.Scenario;
import io.drainpilot.sim.Scenarios;
import io.drainpilot.sim.SimRecord;
import io.drainpilot.sim.SimSettings;
import io.drainpilot.sim.SimulatedCluster;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * {@code --demo}: a whole rolling Harvester upgrade (v1.7, three nodes: two Intel, one AMD) in a simulated cluster,
 * first as Harvester does it alone, then with DrainPilot conducting it: the nodes not yet upgraded are held in the
 * node-upgrade pause map, each node is evacuated by live migration (one migration fails once and is retried
 * elsewhere) before Harvester's pre-drain job runs there, and every VM, the upgrade-repo VM included, keeps running.
 * Ends with a table per VM (moves, downtime) and the comparison. Exits 0 when all of that happened.
 */
public final class Demo {
    private static final Duration LIMIT = Duration.ofMinutes(4);
    /** Harvester alone, fast: only its outcome is shown. */
    private static final SimSettings QUICK = new SimSettings(20, 40, 0.005, 42);
    /** With DrainPilot, at a pace a person can follow: a 1 GiB migration takes about a second and a half. */
    private static final SimSettings WATCHABLE = new SimSettings(50, 34, 0.05, 42);
    private static final String REPO = Scenario.HARVESTER_NAMESPACE + "/" + Scenarios.UPGRADE_REPO_VM;

    private final PrintStream out;

    private Demo(PrintStream out) {
        this.out = out;
    }

    public static int run(Path config) {
        return run(config, System.out);
    }

    public static int run(Path config, PrintStream out) {
        out.println("""

                DrainPilot demo: a rolling Harvester upgrade to v1.7 of a simulated 3-node cluster
                  node-1, node-2: Intel Skylake     node-3: AMD EPYC     KubeVirt v1.6, Rancher drains one node at a time
                  VMs: the upgrade-repo VM (host-passthrough, CD-ROM), a zone-pinned VM (nodeSelector), a VM with an
                  installer ISO (CD-ROM), three plain VMs; Harvester's pre-drain job starts 15 s after Rancher asks
                """);
        return new Demo(out).play(config);
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

    private int play(Path config) {
        say("First, the same upgrade with Harvester alone (simulated at high speed)...");
        String alone;
        try (SimulatedCluster cluster = SimulatedCluster.start(scenario(false), QUICK)) {
            HarvesterUpgradeSimulator upgrade = cluster.harvester();
            upgrade.startUpgrade();
            upgrade.awaitUpgradeDone(Duration.ofMinutes(2));
            alone = "Harvester alone: " + upgrade.record().describeStops();
        }
        say(alone);
        out.println();
        say("Now with DrainPilot, its pre-drain hook registered beside Harvester's.");
        try (SimulatedCluster cluster = SimulatedCluster.start(scenario(true), WATCHABLE);
             KubernetesClient kube = cluster.newClient("drainpilot-demo")) {
            // one migration fails once, as real ones sometimes do: watch the retry on another node
            cluster.simulator().failNextMigrationOf("default", "web-1",
                    "migration failed: target virt-launcher pod lost its connection (injected by the demo)");
            Map<String, String> settings = new HashMap<>();
            settings.put("drainpilot.recovery.backoff", "2s");
            // the configured management port (9876) when free, else any free one: the demo never collides
            int port = freePort(9876);
            settings.put("camel.management.port", String.valueOf(port));
            try (DrainPilotRuntime drainPilot = DrainPilotRuntime.create(config, settings, cluster.newClient()).start()) {
                say("DrainPilot is running (routes from routes/, settings from " + config + ").");
                say("Watch it at http://localhost:" + port + "/drainpilot/ (metrics: /observe/metrics)"
                        + (port == 9876 ? "." : "; port 9876 is taken, so the demo uses " + port + "."));
                Map<String, String> before = placement(kube);
                HarvesterUpgradeSimulator upgrade = cluster.harvester();
                upgrade.startUpgrade();
                say("Upgrade " + Scenarios.UPGRADE + " started.");
                if (!follow(upgrade, kube)) {
                    return fail("the upgrade did not finish within " + LIMIT.toMinutes() + " minutes: " + upgrade.nodeStates());
                }
                return report(cluster, kube, upgrade, before, alone);
            }
        }
    }

    /** The upgrade as it goes: each node's state and what DrainPilot holds, whenever either changes. */
    private boolean follow(HarvesterUpgradeSimulator upgrade, KubernetesClient kube) {
        Instant deadline = Instant.now().plus(LIMIT);
        String last = "";
        while (Instant.now().isBefore(deadline)) {
            HarvesterUpgradeSimulator.UpgradeState state = upgrade.upgradeState();
            if (state == HarvesterUpgradeSimulator.UpgradeState.SUCCEEDED || state == HarvesterUpgradeSimulator.UpgradeState.FAILED) {
                // Rancher still uncordons the last node and clears its annotations
                return upgrade.awaitUpgradeDone(Duration.ofSeconds(30)) == HarvesterUpgradeSimulator.UpgradeState.SUCCEEDED;
            }
            String now = progress(upgrade, kube);
            if (!now.equals(last)) {
                say(now);
                last = now;
            }
            try {
                Thread.sleep(200); // a person watching, not synchronisation: the loop re-checks the cluster
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    private String progress(HarvesterUpgradeSimulator upgrade, KubernetesClient kube) {
        Map<String, String> pauseMap = io.drainpilot.work.HarvesterUpgrade.pauseMap(
                upgrade.upgrade().getMetadata().getAnnotations() == null ? null
                        : upgrade.upgrade().getMetadata().getAnnotations().get(io.drainpilot.work.HarvesterUpgrade.PAUSE_MAP));
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, NodeUpgradeState> e : new TreeMap<>(upgrade.nodeStates()).entrySet()) {
            String node = e.getKey();
            String evacuation = kube.nodes().withName(node).get().getMetadata().getAnnotations() == null ? null
                    : kube.nodes().withName(node).get().getMetadata().getAnnotations().get(Names.EVACUATION);
            sb.append(sb.length() == 0 ? "" : " | ").append(node).append(": ").append(e.getValue().wire())
                    .append(io.drainpilot.work.HarvesterUpgrade.PAUSE.equals(pauseMap.get(node)) ? ", held by DrainPilot" : "")
                    .append(evacuation == null ? "" : ", evacuation " + evacuation);
        }
        return sb.toString();
    }

    private int report(SimulatedCluster cluster, KubernetesClient kube, HarvesterUpgradeSimulator upgrade,
            Map<String, String> before, String alone) {
        HarvesterRecord harvester = upgrade.record();
        SimRecord record = cluster.record();
        Map<String, String> after = placement(kube);
        out.println();
        say("Each VM, from its node before the upgrade to its node after it:");
        // the VM column as wide as the longest name, so every row lines up
        String row = "    %-" + before.keySet().stream().mapToInt(String::length).max().orElse(2) + "s  %-8s %-8s %6s  %s%n";
        out.printf(row, "VM", "before", "after", "moves", "downtime");
        boolean allRunning = true;
        for (String vm : before.keySet()) {
            long moves = record.outcomes().stream().filter(o -> o.result() == SimRecord.Result.SUCCEEDED)
                    .filter(o -> vm.equals(o.namespace() + "/" + o.vmiName())).count();
            Duration down = harvester.downtimes().stream().filter(d -> d.key().equals(vm))
                    .map(d -> d.duration().orElse(Duration.ofDays(1))).reduce(Duration.ZERO, Duration::plus);
            allRunning &= running(kube, vm);
            out.printf(row, vm, before.get(vm), after.getOrDefault(vm, "(stopped)"), moves,
                    down.isZero() ? "none (live-migrated)" : down.toMillis() + " ms");
        }
        out.println();
        say("Alerts recorded as Kubernetes Events:");
        List<Event> events = kube.v1().events().inAnyNamespace().list().getItems().stream()
                .filter(e -> e.getReason() != null && e.getReason().startsWith("DrainPilot"))
                .filter(e -> !"Node".equals(e.getInvolvedObject().getKind())).toList();
        events.forEach(e -> out.println("    " + e.getReason() + ": " + e.getMessage()));
        out.println();
        say("With DrainPilot:  " + harvester.describeStops() + "; upgrade " + upgrade.upgradeState().name().toLowerCase());
        say(alone);
        boolean repoMigrated = record.migrationsCreated().stream()
                .anyMatch(c -> REPO.equals(c.namespace() + "/" + c.vmiName())
                        && Names.MANAGED_BY_VALUE.equals(c.labels().get(Names.MANAGED_BY)));
        boolean retried = record.outcomes().stream().anyMatch(o -> o.result() == SimRecord.Result.FAILED
                && "web-1".equals(o.vmiName()));
        if (!harvester.stops().isEmpty()) {
            return fail("Harvester's pre-drain job stopped VMs: " + harvester.describeStops());
        }
        if (!allRunning || !repoMigrated || !retried) {
            return fail("not every VM is running, live-migrated by DrainPilot, with the injected failure retried");
        }
        say("Done: every VM kept running, the upgrade-repo VM included; the failed migration was retried elsewhere.");
        return 0;
    }

    /** Harvester's v1.7 upgrade scenario; with DrainPilot's pre-drain hook registered when it takes part. */
    private static Scenario scenario(boolean withDrainPilot) {
        HarvesterSpec spec = HarvesterSpec.of("v1.7.0").restoreVm(true);
        if (withDrainPilot) {
            spec.preDrainHook(Names.PRE_HOOK);
        }
        return Scenarios.harvesterUpgradeCluster(spec).build();
    }

    private static Map<String, String> placement(KubernetesClient kube) {
        Map<String, String> where = new LinkedHashMap<>();
        kube.resources(VirtualMachineInstance.class).inAnyNamespace().list().getItems().stream()
                .sorted(java.util.Comparator.comparing((VirtualMachineInstance v) -> v.getMetadata().getNamespace())
                        .reversed().thenComparing(v -> v.getMetadata().getName()))
                .forEach(v -> where.put(v.getMetadata().getNamespace() + "/" + v.getMetadata().getName(),
                        v.nodeName().orElse("?")));
        return where;
    }

    private static boolean running(KubernetesClient kube, String vm) {
        String[] p = vm.split("/");
        VirtualMachineInstance i = kube.resources(VirtualMachineInstance.class).inNamespace(p[0]).withName(p[1]).get();
        return i != null && Objects.equals("Running", i.phase());
    }

    private void say(String line) {
        out.println("demo: " + line);
    }

    private int fail(String why) {
        say("FAILED: " + why);
        return 1;
    }
}
