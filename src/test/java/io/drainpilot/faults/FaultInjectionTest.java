package io.drainpilot.faults;

import io.drainpilot.names.Bookkeeping;
import io.drainpilot.app.DrainPilotRuntime;
import io.drainpilot.names.Names;
import io.drainpilot.kubevirt.VirtualMachine;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.kubevirt.VirtualMachineInstanceMigration;
import io.drainpilot.sim.CpuProfile;
import io.drainpilot.sim.FaultInjector;
import io.drainpilot.sim.Scenario;
import io.drainpilot.sim.Scenarios;
import io.drainpilot.sim.SimRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Full evacuations while the API server misbehaves (500, 503, 429 + Retry-After, slow, dropped and lost answers on a
 * seeded share of DrainPilot's requests), and while DrainPilot itself is restarted at random points. Every run must
 * end with each draining node Completed, or Blocked with an alert; never two migrations in flight for one VMI; no VM
 * stopped without an alert; no exception escaping a route unhandled.
 */
class FaultInjectionTest {
    private static final Logger LOG = LoggerFactory.getLogger(FaultInjectionTest.class);
    private static final Duration PATIENCE = Duration.ofSeconds(90);

    static Map<String, String> settings() {
        return Map.of("drainpilot.recovery.max-attempts", "3",
                "drainpilot.api.retry.max-redeliveries", "3",
                "drainpilot.api.retry.delay", "50",
                "drainpilot.api.retry.max-delay", "400");
    }

    /** Several draining nodes, VMs of several kinds and fallbacks, spare nodes to receive them. */
    static Scenario generated() {
        Scenario.Builder b = Scenario.builder().kubeVirt("kubevirt", "v1.6.0").migrationLimits(5, 2);
        for (int i = 1; i <= 6; i++) {
            b.node(Scenario.node("node-" + i, CpuProfile.SKYLAKE).memory("64Gi"));
        }
        for (int n = 1; n <= 3; n++) {
            for (int v = 1; v <= 4; v++) {
                b.vm(Scenario.vm("default", "vm-" + n + "-" + v).on("node-" + n).hostModel().memory(v + "Gi"));
            }
            b.vm(Scenario.vm("default", "stoppable-" + n).on("node-" + n).memory("1Gi")
                    .notLiveMigratable("DisksNotLiveMigratable").label(Names.FALLBACK, "shutdown-restart"));
        }
        b.vm(Scenario.vm("default", "pinned-local").on("node-3").memory("1Gi").notLiveMigratable("DisksNotLiveMigratable"));
        b.vm(Scenario.vm("default", "released-local").on("node-2").memory("1Gi")
                .notLiveMigratable("HostDeviceNotLiveMigratable").label(Names.FALLBACK, "release"));
        return b.build();
    }

    @ParameterizedTest(name = "harvester three-node, {0}% faults")
    @ValueSource(ints = {10, 30})
    void harvesterThreeNodeUnderFaults(int percent) {
        run(Scenarios.harvesterThreeNode(), List.of("node-1"), percent, 7L + percent, 0);
    }

    @ParameterizedTest(name = "three draining nodes of six, {0}% faults")
    @ValueSource(ints = {10, 30})
    void severalDrainingNodesUnderFaults(int percent) {
        run(generated(), List.of("node-1", "node-2", "node-3"), percent, 11L + percent, 0);
    }

    /** 20 seeded runs; each restarts DrainPilot once or twice at random points of the evacuation, 10% faults. */
    @Test
    void restartsAtRandomPoints() {
        List<String> failures = new ArrayList<>();
        for (long seed = 1; seed <= 20; seed++) {
            try {
                run(restartScenario(), List.of("node-2"), 10, seed, 1 + (int) (seed % 2));
            } catch (AssertionError | RuntimeException e) {
                failures.add("seed " + seed + ": " + e.getMessage());
            }
        }
        assertThat(failures).isEmpty();
    }

    static Scenario restartScenario() {
        Scenario.Builder b = Scenario.builder().kubeVirt("kubevirt", "v1.6.0");
        for (int i = 1; i <= 4; i++) {
            b.node(Scenario.node("node-" + i, CpuProfile.SKYLAKE).memory("64Gi"));
        }
        for (int i = 1; i <= 2; i++) {
            b.vm(Scenario.vm("default", "a-" + i).on("node-1").hostModel().memory(i + "Gi"));
        }
        for (int i = 1; i <= 3; i++) {
            b.vm(Scenario.vm("default", "b-" + i).on("node-2").hostModel().memory(i + "Gi"));
        }
        b.vm(Scenario.vm("default", "b-stoppable").on("node-2").memory("1Gi")
                .notLiveMigratable("DisksNotLiveMigratable").label(Names.FALLBACK, "shutdown-restart"));
        return b.build();
    }

    private void run(Scenario scenario, List<String> draining, int percent, long seed, int restarts) {
        long t0 = System.nanoTime();
        Set<String> haltedAtStart = scenario.vms().stream()
                .filter(v -> VirtualMachine.HALTED.equals(v.runStrategy())).map(v -> v.namespace() + "/" + v.name())
                .collect(Collectors.toSet());
        try (FaultHarness h = new FaultHarness(scenario)) {
            FaultInjector faults = FaultInjector.builder().seed(seed).share(percent / 100.0)
                    .slowMax(Duration.ofMillis(300)).dropDelay(FaultHarness.CLIENT_TIMEOUT.multipliedBy(2))
                    .retryAfterSeconds(1).exempt(FaultHarness.OBSERVER_AGENT).install(h.cluster);
            DrainPilotRuntime rt = h.start(settings());
            draining.forEach(h::requestDrain);
            Random random = new Random(seed);
            for (int r = 0; r < restarts; r++) {
                // a seeded random point of the evacuation: a delay chosen on purpose, not a wait for something
                sleep(200 + random.nextInt(1500));
                h.stop(rt);
                sleep(random.nextInt(300));
                rt = h.start(settings());
            }
            await().atMost(PATIENCE).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
                for (String node : draining) {
                    assertThat(h.evacuation(node)).as("evacuation of %s (%s)", node, h.summary(node)).isIn(h.finalStates());
                    assertThat(h.summary(node).pending() + h.summary(node).inFlight()).as("left on %s", node).isZero();
                }
                assertThat(h.kube.resources(VirtualMachineInstanceMigration.class).inAnyNamespace().list().getItems())
                        .noneMatch(m -> !m.phase().isFinal());
            });
            // the await stage restarts what the shutdown-restart fallback stopped once its node is Completed
            await().atMost(PATIENCE).pollInterval(Duration.ofMillis(100)).until(() -> h.vms().stream()
                    .filter(vm -> vm.getMetadata().getLabels() != null
                            && "true".equals(vm.getMetadata().getLabels().get(Bookkeeping.STOPPED)))
                    .map(vm -> vm.getMetadata().getAnnotations().get(Bookkeeping.STOPPED_FOR_NODE))
                    .noneMatch(node -> Names.COMPLETED.equals(h.evacuation(node))));
            faults.setEnabled(false);

            SimRecord record = h.cluster.record();
            LOG.info("seed {} at {}%: {} of {} requests faulted {}; {} migrations, {} refusals, {} alerts, {} s", seed,
                    percent, faults.totalInjected(), faults.eligibleRequests(), faults.injected(),
                    record.migrationsCreated().size(), record.refusals().size(), h.alerts.size(),
                    (System.nanoTime() - t0) / 1_000_000_000.0);

            for (String node : draining) {
                String state = h.evacuation(node);
                if (Names.BLOCKED.equals(state)) {
                    assertThat(h.alertedAboutNode(node)).as("%s is Blocked: an alert must say so", node).isTrue();
                }
            }
            assertThat(h.duplicates).as("two migrations in flight for one VMI").isEmpty();
            // a refusal is KubeVirt's admission saying no: tolerable, never a second migration
            assertThat(record.refusals()).allMatch(r -> r.message() != null);
            for (VirtualMachine vm : h.vms()) {
                String ref = vm.getMetadata().getNamespace() + "/" + vm.getMetadata().getName();
                if (VirtualMachine.HALTED.equals(vm.runStrategy()) && !haltedAtStart.contains(ref)) {
                    assertThat(h.alertedStopped(vm.getMetadata().getNamespace(), vm.getMetadata().getName()))
                            .as("%s is stopped: an alert must say so", ref).isTrue();
                }
            }
            // a Completed node has nothing of its own left on it that DrainPilot did not account for (a VM the
            // shutdown-restart fallback restarted may land anywhere: the simulated scheduler ignores drains)
            Map<String, String> homeOf = scenario.vms().stream().filter(v -> v.node() != null)
                    .collect(Collectors.toMap(v -> v.namespace() + "/" + v.name(), Scenario.VmSpec::node));
            for (VirtualMachineInstance vmi : h.vmis()) {
                String node = vmi.nodeName().orElse("");
                if (draining.contains(node) && node.equals(homeOf.get(vmi.getMetadata().getNamespace() + "/" + vmi.getMetadata().getName())) && Names.COMPLETED.equals(h.evacuation(node)) && "Running".equals(vmi.phase())) {
                    assertThat("release".equals(vmi.annotation(Bookkeeping.SETTLED))
                            || h.alertedAboutVm(vmi.getMetadata().getNamespace(), vmi.getMetadata().getName()))
                            .as("%s/%s still runs on Completed %s without release or alert",
                                    vmi.getMetadata().getNamespace(), vmi.getMetadata().getName(), node).isTrue();
                }
            }
            assertExactCounts(h, record, draining);
            assertThat(h.escaped).as("exchanges failed and not handled").isEmpty();
            assertThat(h.camelErrors).as("errors logged by Camel (e.g. inside the dead-letter channel)").isEmpty();
        }
    }

    /**
     * Counts stay exact whatever the faults: each node's summary counts every VM that really migrated off it once,
     * and each VM's attempt count is the number of migrations DrainPilot really created for it in that drain.
     */
    private static void assertExactCounts(FaultHarness h, SimRecord record, List<String> draining) {
        for (String node : draining) {
            Map<String, String> ann = h.kube.nodes().withName(node).get().getMetadata().getAnnotations();
            String drainId = ann.get(Bookkeeping.DRAIN_ID);
            Set<String> movedBySim = record.outcomes().stream()
                    .filter(o -> o.result() == SimRecord.Result.SUCCEEDED && node.equals(o.source()))
                    .map(o -> o.namespace() + "/" + o.vmiName()).collect(Collectors.toSet());
            assertThat(h.summary(node).migrated()).as("VMs migrated off %s (the simulator saw %s)", node, movedBySim)
                    .isEqualTo(movedBySim.size());
            Map<String, Set<String>> createdPerVmi = record.migrationsCreated().stream()
                    .filter(c -> drainId != null && drainId.equals(c.labels().get(Bookkeeping.MIGRATION_DRAIN))
                            && node.equals(c.labels().get(Names.SOURCE_NODE)))
                    .collect(Collectors.groupingBy(c -> c.namespace() + "/" + c.vmiName(),
                            Collectors.mapping(SimRecord.CreatedMigration::name, Collectors.toSet())));
            for (VirtualMachineInstance vmi : h.vmis()) {
                String key = vmi.getMetadata().getNamespace() + "/" + vmi.getMetadata().getName();
                String mark = vmi.annotation(Bookkeeping.DRAIN);
                if (mark != null && mark.equals(node + "/" + drainId) && vmi.annotation(Names.ATTEMPTS) != null) {
                    assertThat(Integer.parseInt(vmi.annotation(Names.ATTEMPTS)))
                            .as("attempts of %s against the migrations created for it: %s", key, createdPerVmi.get(key))
                            .isEqualTo(createdPerVmi.getOrDefault(key, Set.of()).size());
                }
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
