package io.drainpilot.flow;

import io.drainpilot.config.Settings;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.names.Bookkeeping;
import io.drainpilot.names.Names;
import io.drainpilot.preflight.Preflight;
import io.drainpilot.preflight.PreflightReport;
import io.drainpilot.sim.CpuProfile;
import io.drainpilot.sim.Scenario;
import io.drainpilot.sim.SimRecord;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * {@code --preflight} and a real drain (the YAML routes) decide each VM the same way: the same triage, target rules,
 * room, order, skip labels, host-passthrough safety check and order of targets that failed before. Each scenario is
 * judged by preflight first (read-only), then drained; every VM preflight moves lands on its first target (on the
 * set of targets when KubeVirt chooses), every VM it calls stuck stays put with the same outcome and reason in its
 * alert, every VM it skips is left alone.
 */
class PlanParityTest {
    private static final String NS = "default";

    private static Scenario.NodeSpec node(String name, CpuProfile cpu, String memory) {
        return Scenario.node(name, cpu).memory(memory);
    }

    static Stream<Arguments> scenarios() {
        return Stream.of(
                arguments("skip label on the VM only", Scenario.builder().kubeVirt("kubevirt", "v1.6.0")
                        .node(node("node-1", CpuProfile.SKYLAKE, "32Gi"))
                        .node(node("node-2", CpuProfile.SKYLAKE, "32Gi"))
                        .node(node("node-3", CpuProfile.SKYLAKE, "16Gi"))
                        .vm(Scenario.vm(NS, "left-alone").on("node-1").hostModel().label(Names.SKIP, "true"))
                        .vm(Scenario.vm(NS, "plain").on("node-1").hostModel())
                        .build(), true, (Consumer<Harness>) h -> unlabelVmi(h.kube, "left-alone", Names.SKIP)),
                arguments("host-passthrough with steering off", Scenario.builder().kubeVirt("kubevirt", "v1.5.0")
                        .node(node("node-1", CpuProfile.SKYLAKE, "32Gi"))
                        .node(node("node-2", CpuProfile.SKYLAKE, "32Gi"))
                        .node(node("node-3", CpuProfile.EPYC, "64Gi"))
                        .vm(Scenario.vm(NS, "passthrough").on("node-1").hostPassthrough())
                        .vm(Scenario.vm(NS, "host-model").on("node-1").hostModel())
                        .build(), false, (Consumer<Harness>) h -> { }),
                arguments("a target that failed this VM comes last", Scenario.builder().kubeVirt("kubevirt", "v1.6.0")
                        .node(node("node-1", CpuProfile.SKYLAKE, "32Gi"))
                        .node(node("node-2", CpuProfile.SKYLAKE, "64Gi"))
                        .node(node("node-3", CpuProfile.SKYLAKE, "32Gi"))
                        .vm(Scenario.vm(NS, "again").on("node-1").hostModel())
                        .build(), true, (Consumer<Harness>) h -> failedBefore(h, "node-1", "abc123", "again", "node-2")),
                arguments("mixed CPUs", Scenario.builder().kubeVirt("kubevirt", "v1.6.0")
                        .node(node("node-1", CpuProfile.SKYLAKE, "32Gi"))
                        .node(node("node-2", CpuProfile.CASCADELAKE, "64Gi"))
                        .node(node("node-3", CpuProfile.EPYC, "96Gi"))
                        .node(node("node-4", CpuProfile.SKYLAKE, "32Gi"))
                        .vm(Scenario.vm(NS, "host-model").on("node-1").hostModel().memory("2Gi"))
                        .vm(Scenario.vm(NS, "passthrough").on("node-1").hostPassthrough())
                        .build(), true, (Consumer<Harness>) h -> { }),
                arguments("nowhere to go", Scenario.builder().kubeVirt("kubevirt", "v1.6.0")
                        .node(node("node-1", CpuProfile.SKYLAKE, "32Gi"))
                        .node(node("node-2", CpuProfile.EPYC, "64Gi"))
                        .vm(Scenario.vm(NS, "intel-only").on("node-1").hostModel())
                        .vm(Scenario.vm(NS, "local-disk").on("node-1").namedModel("Penryn")
                                .notLiveMigratable("DisksNotLiveMigratable"))
                        .build(), true, (Consumer<Harness>) h -> { }));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void preflightAndTheDrainDecideEveryVmAlike(String name, Scenario scenario, boolean steering, Consumer<Harness> setup)
            throws InterruptedException {
        try (Harness h = new Harness(scenario)) {
            setup.accept(h);
            PreflightReport report = Preflight.collect(h.kube, Settings.defaults(), Optional.of("node-1"));
            List<PreflightReport.VmReport> vms = report.nodes().get(0).vms();
            assertThat(vms).as("preflight saw every VM").hasSize(scenario.vms().size());

            h.startDrainPilot();
            h.requestDrain("node-1");
            boolean anyStuck = vms.stream().anyMatch(v -> v.verdict() == PreflightReport.Verdict.STUCK);
            h.awaitEvacuation("node-1", anyStuck ? Names.BLOCKED : Names.COMPLETED);

            for (PreflightReport.VmReport v : vms) {
                String vm = v.vm().substring(NS.length() + 1);
                switch (v.verdict()) {
                    case MOVE -> {
                        await().atMost(Harness.PATIENCE).until(() -> !"node-1".equals(h.nodeOf(NS, vm)));
                        if (steering) {
                            assertThat(h.nodeOf(NS, vm)).as(v.toString()).isEqualTo(v.targets().get(0));
                        } else {
                            assertThat(v.targets()).as(v.toString()).contains(h.nodeOf(NS, vm));
                        }
                        assertThat(createdFor(h, vm)).as(v.toString()).isEqualTo(1);
                    }
                    case STUCK -> {
                        assertThat(h.nodeOf(NS, vm)).as(v.toString()).isEqualTo("node-1");
                        assertThat(createdFor(h, vm)).as(v.toString()).isZero();
                        String reason = v.reason().substring(v.reason().indexOf(": ") + 2);
                        await().atMost(Harness.PATIENCE).untilAsserted(() -> assertThat(eventsAbout(h, vm))
                                .as(v.toString()).anyMatch(e -> e.getMessage().contains(v.outcome())
                                        && e.getMessage().contains(reason)));
                    }
                    case SKIPPED -> {
                        assertThat(h.nodeOf(NS, vm)).as(v.toString()).isEqualTo("node-1");
                        assertThat(createdFor(h, vm)).as(v.toString()).isZero();
                    }
                }
            }
        }
    }

    private static long createdFor(Harness h, String vm) {
        return h.cluster.record().migrationsCreated().stream().map(SimRecord.CreatedMigration::vmiName)
                .filter(vm::equals).count();
    }

    private static List<Event> eventsAbout(Harness h, String name) {
        return h.kube.v1().events().inAnyNamespace().list().getItems().stream()
                .filter(e -> name.equals(e.getInvolvedObject().getName()))
                .filter(e -> e.getReason() != null && e.getReason().startsWith("DrainPilot")).toList();
    }

    /** The label stays on the VirtualMachine only: the VM-level skip. */
    private static void unlabelVmi(KubernetesClient kube, String vmi, String label) {
        Harness.retryOnConflict(() -> kube.resources(VirtualMachineInstance.class).inNamespace(NS).withName(vmi)
                .edit(v -> {
                    v.getMetadata().getLabels().remove(label);
                    return v;
                }));
    }

    /** A drain of {@code node} under way (say, a restarted DrainPilot's) in which a migration to {@code target} failed. */
    private static void failedBefore(Harness h, String node, String drainId, String vmi, String target) {
        Harness.retryOnConflict(() -> h.kube.resources(VirtualMachineInstance.class).inNamespace(NS).withName(vmi)
                .edit(v -> {
                    if (v.getMetadata().getAnnotations() == null) {
                        v.getMetadata().setAnnotations(new java.util.HashMap<>());
                    }
                    v.getMetadata().getAnnotations().put(Bookkeeping.DRAIN, node + "/" + drainId);
                    v.getMetadata().getAnnotations().put(Bookkeeping.FAILED_TARGETS, target);
                    v.getMetadata().getAnnotations().put(Names.ATTEMPTS, "1");
                    return v;
                }));
        h.annotateNode(node, Bookkeeping.DRAIN_ID, drainId);
        h.annotateNode(node, Names.EVACUATION, Names.IN_PROGRESS);
        h.annotateNode(node, Names.DRAIN_REQUESTED, "true");
    }
}
