package io.drainpilot.drain;

import io.drainpilot.config.Settings;
import io.drainpilot.names.Names;
import io.drainpilot.work.DrainRequest;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** Which Rancher plan Secret states, with the node's cordon, ask for a drain; one row per Rancher step. */
class DrainSignalsTest {
    private static final String OPTIONS = "{\"enabled\":true,\"preDrainHooks\":[{\"annotation\":\"drainpilot.io/pre-hook\"}]}";

    static Stream<Arguments> rows() {
        return Stream.of(
                arguments("no Rancher drain", Map.of(), false, "none"),
                arguments("drain options set, node not cordoned yet", Map.of(Names.RANCHER_DRAIN_OPTIONS, OPTIONS), false,
                        "none"),
                arguments("drain options set and node cordoned: announced", Map.of(Names.RANCHER_DRAIN_OPTIONS, OPTIONS),
                        true, "announced"),
                arguments("a cordon alone", Map.of(), true, "none"),
                arguments("pre-drain asked", Map.of(Names.RANCHER_DRAIN_OPTIONS, OPTIONS, Names.RANCHER_PRE_DRAIN, OPTIONS),
                        true, "pre-drain"),
                arguments("pre-drain answered", Map.of(Names.RANCHER_DRAIN_OPTIONS, OPTIONS, Names.RANCHER_PRE_DRAIN, OPTIONS,
                        Names.PRE_HOOK, OPTIONS), true, "released"),
                arguments("pre-drain answered with an older value", Map.of(Names.RANCHER_DRAIN_OPTIONS, OPTIONS,
                        Names.RANCHER_PRE_DRAIN, OPTIONS, Names.PRE_HOOK, "{}"), true, "pre-drain"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void rancherSteps(String name, Map<String, String> secretAnnotations, boolean cordoned, String expected) {
        DrainSignals signals = new DrainSignals(Settings.defaults());
        List<String> problems = new ArrayList<>();
        Map<String, DrainRequest.RancherHook> hooks = signals.hooksByMachine(List.of(secret(secretAnnotations)),
                (s, why) -> problems.add(why));
        Optional<DrainRequest.RancherHook> hook = Optional.ofNullable(hooks.get("machine-1"));
        List<String> found = signals.signalsOf(node(cordoned), hook);

        String got = found.isEmpty() ? "none"
                : hook.get().announced() ? "announced" : hook.get().released() ? "released" : "pre-drain";
        assertThat(got).as("signals %s", found).isEqualTo(expected);
        assertThat(problems).isEmpty();
        if (expected.equals("announced")) {
            assertThat(found).singleElement().asString().contains("Rancher drain announced", Names.RANCHER_DRAIN_OPTIONS);
        }
    }

    /** With the cordon signal on, only a cordon someone else set asks for a drain: DrainPilot's own never does. */
    @ParameterizedTest(name = "cordoned={0} by DrainPilot={1} -> {2}")
    @org.junit.jupiter.params.provider.CsvSource({
            "false, false, none",
            "true,  false, cordon",
            "true,  true,  none",
            "false, true,  none",
    })
    void ownCordonIsNoSignal(boolean cordoned, boolean ours, String expected) {
        Settings settings = Settings.load(k -> k.equals("drainpilot.signal.cordon.enabled") ? "true" : null);
        Map<String, String> ann = new HashMap<>();
        if (ours) {
            ann.put(io.drainpilot.names.Bookkeeping.CORDONED, "true");
        }
        Node n = new NodeBuilder().withNewMetadata().withName("node-1").withAnnotations(ann).endMetadata()
                .withNewSpec().withUnschedulable(cordoned).endSpec().build();
        List<String> found = new DrainSignals(settings).signalsOf(n, Optional.empty());
        assertThat(found.isEmpty() ? "none" : String.join(",", found)).isEqualTo(expected);
    }

    private static Secret secret(Map<String, String> annotations) {
        return new SecretBuilder().withNewMetadata().withNamespace(Names.RANCHER_PLAN_NAMESPACE).withName("plan-1")
                .withLabels(Map.of(Names.RANCHER_MACHINE_NAME_LABEL, "machine-1")).withAnnotations(new HashMap<>(annotations))
                .endMetadata().withType(Names.RANCHER_PLAN_SECRET_TYPE).build();
    }

    private static Node node(boolean cordoned) {
        return new NodeBuilder().withNewMetadata().withName("node-1")
                .withAnnotations(Map.of(Names.CAPI_MACHINE_ANNOTATION, "machine-1")).endMetadata()
                .withNewSpec().withUnschedulable(cordoned).endSpec().build();
    }
}
