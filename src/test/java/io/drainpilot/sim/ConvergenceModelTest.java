package io.drainpilot.sim;

import io.drainpilot.kubevirt.KubeVirt;
import io.drainpilot.kubevirt.MigrationPhase;
import io.drainpilot.kubevirt.MigrationPolicy;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.kubevirt.VirtualMachineInstanceMigration;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;

import static io.drainpilot.sim.SimTestSupport.awaitPhase;
import static io.drainpilot.sim.SimTestSupport.migrate;
import static io.drainpilot.sim.SimTestSupport.vmi;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The simulated live migration against the guest's dirty rate, KubeVirt's settings and MigrationPolicies. */
class ConvergenceModelTest extends ClusterPerTest {
    private static final double MIB = 1024 * 1024;
    // the test link moves 20 MiB/s (give or take 5 %): 24 MiB/s never converges without help
    private static final double BUSY = 24 * MIB;

    private void kubeVirt(Consumer<KubeVirt.Migrations> change) {
        client.resources(KubeVirt.class).inNamespace(Scenario.HARVESTER_NAMESPACE).withName("kubevirt")
                .edit(kv -> {
                    change.accept(kv.getSpec().configuration.migrations);
                    return kv;
                });
    }

    private void policy(String name, Map<String, String> vmiSelector, Consumer<MigrationPolicy.Spec> settings) {
        MigrationPolicy p = PolicyMatchTest.policy(name, vmiSelector, null);
        settings.accept(p.getSpec());
        client.resource(p).create();
    }

    private void label(String vmi, String key, String value) {
        client.resources(VirtualMachineInstance.class).inNamespace("default").withName(vmi).edit(v -> {
            v.getMetadata().getLabels().put(key, value);
            return v;
        });
    }

    @Test
    void aGuestDirtyingFasterThanTheLinkIsAbortedForLackOfProgress() {
        cluster.simulator().setDirtyRate("default", "app-host-model", BUSY);
        migrate(client, "default", "m1", "app-host-model");
        awaitPhase(client, "default", "m1", MigrationPhase.RUNNING);

        // it reports its data while it runs
        await().atMost(SimTestSupport.WAIT).until(() -> !cluster.simulator().migrationSamples().isEmpty());
        MigrationSample sample = cluster.simulator().migrationSamples().get(0);
        assertThat(sample.vmi()).isEqualTo("app-host-model");
        assertThat(sample.node()).isEqualTo("node-1");
        assertThat(sample.dirtyRateBytes()).isEqualTo(BUSY);
        assertThat(sample.transferRateBytes()).isLessThan(BUSY);
        // and the simulated Prometheus serves it under KubeVirt 1.6's names
        String remaining = get(cluster.prometheus().url() + "/api/v1/query?query="
                + java.net.URLEncoder.encode("kubevirt_vmi_migration_data_remaining_bytes{name=\"app-host-model\"}",
                java.nio.charset.StandardCharsets.UTF_8));
        assertThat(remaining).contains("\"namespace\":\"default\"").contains("\"node\":\"node-1\"");

        // progressTimeout 150 s, scaled by 0.01
        VirtualMachineInstanceMigration failed = awaitPhase(client, "default", "m1", MigrationPhase.FAILED);
        VirtualMachineInstance stayed = vmi(client, "default", "app-host-model");
        assertThat(stayed.getStatus().nodeName).isEqualTo("node-1");
        assertThat(stayed.getStatus().migrationState.failureReason).startsWith("Live migration stuck for");
        assertThat(stayed.getStatus().migrationState.abortStatus).isEqualTo("Succeeded");
        assertThat(failed.getStatus().migrationState.failureReason).endsWith("has been aborted");
        await().atMost(SimTestSupport.WAIT).until(() -> cluster.simulator().migrationSamples().isEmpty());
    }

    private static String get(String url) {
        try {
            return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(url)).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aMatchingPolicyWithAutoConvergeLetsItConverge() {
        cluster.simulator().setDirtyRate("default", "app-host-model", BUSY);
        policy("auto-converge", Map.of("escalation", "auto-converge"), s -> s.allowAutoConverge = true);
        policy("unrelated", Map.of("escalation", "other"), s -> s.allowPostCopy = true);
        label("app-host-model", "escalation", "auto-converge");
        migrate(client, "default", "m1", "app-host-model");

        awaitPhase(client, "default", "m1", MigrationPhase.SUCCEEDED);
        VirtualMachineInstance moved = vmi(client, "default", "app-host-model");
        assertThat(moved.getStatus().nodeName).isEqualTo("node-2");
        assertThat(moved.getStatus().migrationState.mode).isEqualTo("PreCopy");
        assertThat(moved.getStatus().migrationState.unknownFields()).containsEntry("migrationPolicyName", "auto-converge");
    }

    @Test
    void aPolicyTheVmiDoesNotMatchChangesNothing() {
        cluster.simulator().setDirtyRate("default", "app-host-model", BUSY);
        policy("auto-converge", Map.of("escalation", "auto-converge"), s -> s.allowAutoConverge = true);
        migrate(client, "default", "m1", "app-host-model");

        awaitPhase(client, "default", "m1", MigrationPhase.FAILED);
        assertThat(vmi(client, "default", "app-host-model").getStatus().migrationState.unknownFields())
                .doesNotContainKey("migrationPolicyName");
    }

    @Test
    void postCopySwitchesAtTheCompletionDeadlineAndFinishes() {
        cluster.simulator().setDirtyRate("default", "app-host-model", 200 * MIB);
        kubeVirt(m -> {
            m.allowPostCopy = true;
            m.completionTimeoutPerGiB = 30L;
        });
        migrate(client, "default", "m1", "app-host-model");

        await().atMost(SimTestSupport.WAIT).pollInterval(Duration.ofMillis(10)).until(() -> {
            VirtualMachineInstance v = vmi(client, "default", "app-host-model");
            return v.getStatus().migrationState != null && "PostCopy".equals(v.getStatus().migrationState.mode);
        });
        awaitPhase(client, "default", "m1", MigrationPhase.SUCCEEDED);
        assertThat(vmi(client, "default", "app-host-model").getStatus().nodeName).isEqualTo("node-2");
    }

    @Test
    void theClusterBandwidthLimitSlowsAMigrationDown() {
        kubeVirt(m -> m.bandwidthPerMigration = "2Mi");
        migrate(client, "default", "m1", "app-host-model");
        awaitPhase(client, "default", "m1", MigrationPhase.RUNNING);

        await().atMost(SimTestSupport.WAIT).until(() -> !cluster.simulator().migrationSamples().isEmpty());
        assertThat(cluster.simulator().migrationSamples().get(0).transferRateBytes()).isEqualTo(2 * MIB);
    }

    @Test
    void theScenarioSetsTheDirtyRate() {
        Scenario.VmSpec vm = Scenario.vm("default", "x").dirtyRate("600Mi");
        assertThat(vm.dirtyRateBytes()).isEqualTo(600 * MIB);
    }
}
