package io.drainpilot.flow;

import io.drainpilot.app.DrainPilotRuntime;
import io.drainpilot.sim.CpuProfile;
import io.drainpilot.sim.DelayedAnswer;
import io.drainpilot.sim.Scenario;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.mockwebserver.http.RecordedRequest;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A replica that loses the Lease in the middle of an exchange writes nothing more: Camel stops only its leader-only
 * consumers, the exchange in flight goes on, and every write asks the fence first.
 */
class FencingTest {
    private static final String NS = "drainpilot";
    private static final String LEASE = "leaders-drainpilot";

    private record Write(Instant at, String method, String path) {
    }

    @Test
    void leadershipLostDuringAnExchangeStopsEveryWriteAfterIt() {
        Scenario.Builder b = Scenario.builder().kubeVirt("kubevirt", "v1.6.0");
        for (int i = 1; i <= 3; i++) {
            b.node(Scenario.node("node-" + i, CpuProfile.SKYLAKE).memory("64Gi"));
        }
        for (int i = 1; i <= 4; i++) {
            b.vm(Scenario.vm("default", "vm-" + i).on("node-1").hostModel().memory(i + "Gi"));
        }
        try (Harness h = new Harness(b.build()); KubernetesClient other = h.cluster.newClient("someone-else")) {
            h.kube.pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName("drainpilot-a").withNamespace(NS)
                    .addToLabels("app.kubernetes.io/name", "drainpilot").endMetadata()
                    .withNewSpec().addNewContainer().withName("drainpilot").withImage("drainpilot:test").endContainer().endSpec()
                    .withNewStatus().withPhase("Running").addNewCondition().withType("Ready").withStatus("True").endCondition()
                    .endStatus().build()).create();
            // every write DrainPilot's client sends, except its Lease renewals, with the time it arrived
            List<Write> writes = new CopyOnWriteArrayList<>();
            h.cluster.dispatcher().addInterceptor(r -> {
                if ("drainpilot".equals(r.getHeader("User-Agent")) && !"GET".equals(r.getMethod())
                        && !r.getPath().contains("/leases")) {
                    writes.add(new Write(Instant.now(), r.getMethod(), r.getPath()));
                }
                return Optional.empty();
            });
            // the first migration DrainPilot creates is made at once but answered late: the exchange waits there
            h.cluster.dispatcher().addInterceptor(new DelayedAnswer(h.cluster, FencingTest::createsMigration,
                    Duration.ofSeconds(4), 1));
            DrainPilotRuntime a = h.startDrainPilot(Map.of("drainpilot.leader.enabled", "true",
                    "drainpilot.leader.pod-name", "drainpilot-a", "drainpilot.leader.namespace", NS,
                    "drainpilot.leader.lease-duration", "2s", "drainpilot.leader.renew-deadline", "1500ms",
                    "drainpilot.leader.retry-period", "200ms"));
            await().atMost(Harness.PATIENCE).until(() -> holder(h) != null && holder(h).equals("drainpilot-a"));

            h.requestDrain("node-1");
            await().atMost(Harness.PATIENCE).until(() -> writes.stream().anyMatch(w -> w.method().equals("POST")
                    && w.path().contains("virtualmachineinstancemigrations")));
            // meanwhile another replica takes the Lease (as after a network partition healed on its side)
            org.apache.camel.builder.NotifyBuilder exchangeDone = new org.apache.camel.builder.NotifyBuilder(a.context())
                    .fromRoute("node-events").whenDone(1).create();
            // the leader renews every 200 ms, so the edit may meet a newer resourceVersion (409): take it again
            Instant[] stolen = new Instant[1];
            await().atMost(Duration.ofSeconds(10)).ignoreException(KubernetesClientException.class).until(() -> {
                stolen[0] = Instant.now();
                other.leases().inNamespace(NS).withName(LEASE).edit(l -> {
                    l.getSpec().setHolderIdentity("drainpilot-b");
                    l.getSpec().setRenewTime(ZonedDateTime.now(ZoneOffset.UTC));
                    l.getSpec().setAcquireTime(ZonedDateTime.now(ZoneOffset.UTC));
                    l.getSpec().setLeaseDurationSeconds(60);
                    return l;
                });
                return true;
            });
            await().atMost(Duration.ofSeconds(10)).until(() -> !leads(a));

            // the delayed answer arrives, the exchange goes on to its end: nothing of it may reach the cluster
            assertThat(exchangeDone.matches(20, java.util.concurrent.TimeUnit.SECONDS)).as("the exchange in flight ended").isTrue();
            assertThat(writes).filteredOn(w -> w.at().isAfter(stolen[0])).as("writes after the Lease was lost").isEmpty();
            assertThat(h.migrations()).hasSize(1);
        }
    }

    private static boolean createsMigration(RecordedRequest r) {
        return "POST".equals(r.getMethod()) && r.getPath().contains("virtualmachineinstancemigrations")
                && "drainpilot".equals(r.getHeader("User-Agent"));
    }

    private static String holder(Harness h) {
        Lease l = h.kube.leases().inNamespace(NS).withName(LEASE).get();
        return l == null ? null : l.getSpec().getHolderIdentity();
    }

    private static boolean leads(DrainPilotRuntime rt) throws Exception {
        return rt.context().hasService(org.apache.camel.component.kubernetes.cluster.KubernetesClusterService.class)
                .getView("drainpilot").getLocalMember().isLeader();
    }
}
