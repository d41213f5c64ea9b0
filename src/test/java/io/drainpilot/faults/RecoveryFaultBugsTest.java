package io.drainpilot.faults;

import io.drainpilot.names.Names;
import io.drainpilot.kubevirt.VirtualMachine;
import io.drainpilot.sim.CpuProfile;
import io.drainpilot.sim.RequestInterceptor;
import io.drainpilot.sim.Scenario;
import io.drainpilot.sim.SimDispatcher;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.MockResponse;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Deterministic checks for what the random fault runs once found: a Kubernetes API error inside {@code Recovery}
 * is handled by the recovery route itself (retried, alerted, never escaping to the timer), and an error after the
 * shutdown-restart fallback stopped a VM never leaves it stopped without an alert.
 */
class RecoveryFaultBugsTest {

    /** Fails the first {@code times} PATCHes of one VMI by DrainPilot with 503. */
    private static RequestInterceptor failVmiPatches(String vmi, int times) {
        AtomicInteger left = new AtomicInteger(times);
        return request -> {
            if (request.method() == HttpMethod.PATCH && request.getPath().contains("/virtualmachineinstances/" + vmi)
                    && "drainpilot".equals(request.getHeader("User-Agent"))
                    && !SimDispatcher.SIM_USER_AGENT.equals(request.getHeader("User-Agent"))
                    && left.getAndDecrement() > 0) {
                return Optional.of(new MockResponse().setResponseCode(503).setHeader("Content-Type", "application/json")
                        .setBody("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"code\":503,"
                                + "\"reason\":\"ServiceUnavailable\",\"message\":\"injected\"}"));
            }
            return Optional.empty();
        };
    }

    /** Fails the first {@code times} requests by DrainPilot with this method whose path contains {@code path}. */
    private static RequestInterceptor failFirst(HttpMethod method, String path, AtomicInteger left) {
        return request -> {
            if (request.method() == method && request.getPath().contains(path)
                    && "drainpilot".equals(request.getHeader("User-Agent")) && left.getAndDecrement() > 0) {
                return Optional.of(new MockResponse().setResponseCode(503).setHeader("Content-Type", "application/json")
                        .setBody("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"code\":503,"
                                + "\"reason\":\"ServiceUnavailable\",\"message\":\"injected\"}"));
            }
            return Optional.empty();
        };
    }

    private static Scenario.Builder twoNodes() {
        return Scenario.builder().kubeVirt("kubevirt", "v1.6.0")
                .node(Scenario.node("node-1", CpuProfile.SKYLAKE).memory("32Gi"))
                .node(Scenario.node("node-2", CpuProfile.SKYLAKE).memory("32Gi"));
    }

    @Test
    void anApiErrorInsideRecoveryIsHandledNotEscaped() {
        try (FaultHarness h = new FaultHarness(twoNodes()
                .vm(Scenario.vm("default", "local-vm").on("node-1").memory("1Gi").notLiveMigratable("DisksNotLiveMigratable"))
                .build())) {
            h.cluster.dispatcher().addInterceptor(failVmiPatches("local-vm", 3));
            h.start(Map.of(), 0);
            h.requestDrain("node-1");
            await().atMost(Duration.ofSeconds(30)).until(() -> Names.BLOCKED.equals(h.evacuation("node-1")));
            assertThat(h.escaped).as("exchanges that failed unhandled").isEmpty();
        }
    }

    /**
     * The recovery route redelivers a step that met an API error with the exchange as it was: the recovery case
     * survives. Here the failed migration's delete (the retry branch's last write) fails twice: the retry is decided
     * once, told once, and the VM moves at the next attempt.
     */
    @Test
    void aRedeliveryInsideRecoveryKeepsTheCase() {
        try (FaultHarness h = new FaultHarness(twoNodes()
                .vm(Scenario.vm("default", "flaky").on("node-1").memory("1Gi").hostModel()).build())) {
            h.cluster.simulator().failNextMigrationOf("default", "flaky", "injected migration failure");
            AtomicInteger left = new AtomicInteger(2);
            h.cluster.dispatcher().addInterceptor(failFirst(HttpMethod.DELETE, "/virtualmachineinstancemigrations/", left));
            h.start(Map.of(), 0);
            h.requestDrain("node-1");
            await().atMost(Duration.ofSeconds(30)).until(() -> Names.COMPLETED.equals(h.evacuation("node-1")));
            assertThat(left.get()).as("both injected failures met a request").isLessThanOrEqualTo(0);
            assertThat(h.vmis()).singleElement().satisfies(v -> assertThat(v.nodeName()).contains("node-2"));
            assertThat(h.alerts.stream().filter(a -> a.contains("default/flaky on node-1: MigrationFailed")))
                    .as("alerts %s", h.alerts).singleElement().asString().contains("-> retry");
            assertThat(h.alerts).noneMatch(a -> a.contains("StageError") || a.contains("recovery could not finish"));
            assertThat(h.escaped).as("exchanges that failed unhandled").isEmpty();
        }
    }

    @Test
    void aVmStoppedByTheFallbackAlwaysHasAnAlert() {
        try (FaultHarness h = new FaultHarness(twoNodes()
                .vm(Scenario.vm("default", "stoppable").on("node-1").memory("1Gi")
                        .notLiveMigratable("DisksNotLiveMigratable").label(Names.FALLBACK, "shutdown-restart"))
                .vm(Scenario.vm("default", "pinned").on("node-1").memory("1Gi").notLiveMigratable("DisksNotLiveMigratable"))
                .build())) {
            h.cluster.dispatcher().addInterceptor(failVmiPatches("stoppable", 1000));
            h.start(Map.of(), 0);
            h.requestDrain("node-1");
            await().atMost(Duration.ofSeconds(30)).until(() -> h.vms().stream().anyMatch(vm ->
                    vm.getMetadata().getName().equals("stoppable") && VirtualMachine.HALTED.equals(vm.runStrategy())));
            await().atMost(Duration.ofSeconds(30)).until(() -> Names.BLOCKED.equals(h.evacuation("node-1")));
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(h.alertedStopped("default", "stoppable"))
                    .as("an alert saying the VM was stopped (alerts: %s)", h.alerts).isTrue());
        }
    }
}
