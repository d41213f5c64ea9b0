package io.drainpilot.flow;

import io.drainpilot.names.Names;
import io.drainpilot.sim.CpuProfile;
import io.drainpilot.sim.Scenario;
import io.drainpilot.sim.SimRecord;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/** Scan and plan stages through the real routes: each signal, which VMs, in what order, dry run, bad input. */
class DetectionScenariosTest {
    private static final String NS = "default";

    private static Scenario.Builder twoSkylakes() {
        return Scenario.builder().kubeVirt("kubevirt", "v1.6.0")
                .node(Scenario.node("node-1", CpuProfile.SKYLAKE).memory("32Gi"))
                .node(Scenario.node("node-2", CpuProfile.SKYLAKE).memory("32Gi"));
    }

    private static Scenario oneVm() {
        return twoSkylakes().vm(Scenario.vm(NS, "vm-a").on("node-1").hostModel().memory("1Gi")).build();
    }

    @ParameterizedTest
    @ValueSource(strings = {"harvester-maintenance", "drain-taint", "cordon"})
    void optionalSignalsAreOffByDefaultAndWorkWhenSwitchedOn(String signal) {
        Consumer<Harness> raise = switch (signal) {
            case "harvester-maintenance" -> h -> h.annotateNode("node-1", "harvesterhci.io/drain-requested", "true");
            case "drain-taint" -> h -> Harness.retryOnConflict(() -> h.kube.nodes().withName("node-1").edit(n -> {
                List<Taint> t = new ArrayList<>(n.getSpec().getTaints());
                t.add(new TaintBuilder().withKey("kubevirt.io/drain").withEffect("NoSchedule").build());
                n.getSpec().setTaints(t);
                return n;
            }));
            default -> h -> Harness.retryOnConflict(() -> h.kube.nodes().withName("node-1").edit(n -> {
                n.getSpec().setUnschedulable(true);
                return n;
            }));
        };
        try (Harness h = new Harness(oneVm())) {
            var off = h.startDrainPilot();
            raise.accept(h);
            h.awaitScans(5);
            assertThat(h.evacuation("node-1")).as("signal %s is off by default", signal).isNull();
            assertThat(h.cluster.record().migrationsCreated()).isEmpty();
            h.stop(off);
            h.startDrainPilot(Map.of("drainpilot.signal." + signal + ".enabled", "true"));
            h.awaitEvacuation("node-1", Names.COMPLETED);
            assertThat(h.nodeOf(NS, "vm-a")).isEqualTo("node-2");
        }
    }

    @Test
    void annotationSignalCanBeSwitchedOff() {
        try (Harness h = new Harness(oneVm())) {
            h.startDrainPilot(Map.of("drainpilot.signal.annotation.enabled", "false"));
            h.requestDrain("node-1");
            h.awaitScans(5);
            assertThat(h.evacuation("node-1")).isNull();
        }
    }

    @Test
    void skipLabelsAndTheSelectorDecideWhichVmsMove() {
        Scenario s = twoSkylakes()
                .vm(Scenario.vm(NS, "web-1").on("node-1").hostModel().memory("1Gi").label("tier", "web"))
                .vm(Scenario.vm(NS, "web-skipped").on("node-1").hostModel().memory("1Gi").label("tier", "web")
                        .label(Names.SKIP, "true"))
                .vm(Scenario.vm(NS, "db-1").on("node-1").hostModel().memory("1Gi").label("tier", "db"))
                .build();
        try (Harness h = new Harness(s)) {
            h.startDrainPilot(Map.of("drainpilot.vm.selector", "tier=web"));
            h.requestDrain("node-1");
            h.awaitEvacuation("node-1", Names.COMPLETED);
            assertThat(h.nodeOf(NS, "web-1")).isEqualTo("node-2");
            assertThat(h.nodeOf(NS, "web-skipped")).isEqualTo("node-1");
            assertThat(h.nodeOf(NS, "db-1")).isEqualTo("node-1");
            assertThat(h.cluster.record().migrationsCreated()).extracting(SimRecord.CreatedMigration::vmiName)
                    .containsExactly("web-1");
        }
    }

    @Test
    void aSkipLabelOnTheVmCountsToo() {
        try (Harness h = new Harness(oneVm())) {
            h.kube.resources(io.drainpilot.kubevirt.VirtualMachine.class).inNamespace(NS).withName("vm-a")
                    .edit(vm -> {
                        vm.getMetadata().getLabels().put(Names.SKIP, "true");
                        return vm;
                    });
            h.startDrainPilot();
            h.requestDrain("node-1");
            h.awaitEvacuation("node-1", Names.COMPLETED);
            assertThat(h.nodeOf(NS, "vm-a")).isEqualTo("node-1");
        }
    }

    @Test
    void theUpgradeRepoGoesFirstThenSmallestMemoryFirst() {
        Scenario s = twoSkylakes()
                .vm(Scenario.vm(NS, "big").on("node-1").hostModel().memory("4Gi"))
                .vm(Scenario.vm(NS, "small").on("node-1").hostModel().memory("1Gi"))
                .vm(Scenario.vm("harvester-system", "upgrade-repo-u1").on("node-1").hostModel().memory("2Gi")
                        .label(Names.HARVESTER_UPGRADE_COMPONENT, "repo"))
                .vm(Scenario.vm(NS, "medium").on("node-1").hostModel().memory("2Gi"))
                .build();
        try (Harness h = new Harness(s)) {
            h.startDrainPilot(Map.of("drainpilot.migration.max-outbound-per-node", "1"));
            h.requestDrain("node-1");
            h.awaitEvacuation("node-1", Names.COMPLETED);
            assertThat(h.cluster.record().migrationsCreated()).extracting(SimRecord.CreatedMigration::vmiName)
                    .containsExactly("upgrade-repo-u1", "small", "medium", "big");
        }
    }

    @Test
    void dryRunPlansAndReportsButChangesNothing() {
        Scenario s = twoSkylakes()
                .vm(Scenario.vm(NS, "vm-a").on("node-1").hostModel().memory("1Gi"))
                .vm(Scenario.vm(NS, "stuck").on("node-1").hostModel().memory("1Gi").notLiveMigratable("DisksNotLiveMigratable"))
                .build();
        try (Harness h = new Harness(s); LogCapture log = new LogCapture("io.drainpilot.drain.NodeEvacuation");
             LogCapture startup = new LogCapture("io.drainpilot.app.DrainPilotConfiguration")) {
            h.requestDrain("node-1");
            long writesBefore = writes(h);
            h.startDrainPilot(Map.of("drainpilot.dry-run", "true"));
            h.awaitScans(6);
            assertThat(writes(h)).as("writes by DrainPilot in dry run").isEqualTo(writesBefore);
            assertThat(h.evacuation("node-1")).isNull();
            assertThat(h.nodeOf(NS, "vm-a")).isEqualTo("node-1");
            assertThat(log.messages()).anySatisfy(m -> assertThat(m)
                    .contains("Plan for node node-1 (dry run")
                    .contains("default/vm-a: migrate (cpu host-model) to node-2")
                    .contains("default/stuck: not migratable: LiveMigratable=False: DisksNotLiveMigratable"));
            // the operator is told once that it runs, and that it changes nothing
            assertThat(startup.messages()).anySatisfy(m -> assertThat(m).startsWith("DrainPilot dev started: ")
                    .contains(" routes, scan every ").contains(", dry run (no changes)").contains("/drainpilot/")
                    .contains(", health /observe/health"));
        }
    }

    @Test
    void badInputIsReportedOnTheObjectAndEverythingElseGoesOn() {
        Scenario s = twoSkylakes()
                .vm(Scenario.vm(NS, "odd-fallback").on("node-1").hostModel().memory("1Gi").label(Names.FALLBACK, "reboot"))
                .vm(Scenario.vm(NS, "no-cpu").on("node-1").memory("1Gi"))
                .vm(Scenario.vm(NS, "no-status-node").on("node-1").hostModel().memory("1Gi"))
                .build();
        try (Harness h = new Harness(s)) {
            // a plan Secret that asks for a pre-drain but names no machine
            h.kube.secrets().inNamespace(Names.RANCHER_PLAN_NAMESPACE).resource(new io.fabric8.kubernetes.api.model.SecretBuilder()
                    .withNewMetadata().withName("orphan-machine-plan").withNamespace(Names.RANCHER_PLAN_NAMESPACE)
                    .addToAnnotations(Names.RANCHER_PRE_DRAIN, "{}").endMetadata()
                    .withType(Names.RANCHER_PLAN_SECRET_TYPE).build()).create();
            // a VMI that KubeVirt labelled with its node but whose status says nothing yet
            h.kube.resources(io.drainpilot.kubevirt.VirtualMachineInstance.class).inNamespace(NS).withName("no-status-node")
                    .edit(v -> {
                        v.getStatus().nodeName = null;
                        return v;
                    });
            // a node label that is not a node-labeller label value
            h.kube.nodes().withName("node-2").edit(n -> {
                n.getMetadata().getLabels().put("cpu-feature.node.kubevirt.io/", "true");
                return n;
            });
            h.startDrainPilot();
            h.requestDrain("node-1");
            h.awaitEvacuation("node-1", Names.COMPLETED);
            assertThat(h.nodeOf(NS, "odd-fallback")).isEqualTo("node-2");
            assertThat(h.nodeOf(NS, "no-cpu")).isEqualTo("node-2");
            assertThat(problems(h, "odd-fallback")).anyMatch(m -> m.contains("drainpilot.io/fallback=\"reboot\""));
            assertThat(problems(h, "no-cpu")).anyMatch(m -> m.contains("no spec.domain.cpu.model"));
            assertThat(problems(h, "orphan-machine-plan")).anyMatch(m -> m.contains("rke.cattle.io/machine-name"));
            assertThat(problems(h, "node-2")).anyMatch(m -> m.contains("cpu-feature.node.kubevirt.io/"));
            assertThat(problems(h, "no-status-node")).anyMatch(m -> m.contains("no status.nodeName"));
            assertThat(h.cluster.record().migrationsCreated()).noneMatch(c -> c.vmiName().equals("no-status-node"));
            // one report per object and problem, not one per scan
            h.awaitScans(5);
            assertThat(problems(h, "odd-fallback")).hasSize(1);
        }
    }

    private static List<String> problems(Harness h, String object) {
        return h.kube.v1().events().inAnyNamespace().list().getItems().stream()
                .filter(e -> object.equals(e.getInvolvedObject().getName()))
                .filter(e -> "DrainPilotInputProblem".equals(e.getReason())).map(Event::getMessage).toList();
    }

    /** Requests that change something, made by DrainPilot (the simulator's own are not counted). */
    private static long writes(Harness h) {
        return h.cluster.record().requestCounts().entrySet().stream()
                .filter(e -> e.getKey().startsWith("POST") || e.getKey().startsWith("PUT")
                        || e.getKey().startsWith("PATCH") || e.getKey().startsWith("DELETE"))
                .mapToLong(Map.Entry::getValue).sum();
    }
}
