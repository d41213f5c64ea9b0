package io.drainpilot.plan;

import io.drainpilot.cpu.TestNodes;
import io.drainpilot.cpu.TestVmis;
import io.drainpilot.kubevirt.KubeVirtNames;
import io.fabric8.kubernetes.api.model.AffinityBuilder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static io.drainpilot.cpu.TestNodes.node;
import static io.drainpilot.plan.TestAffinity.expr;
import static io.drainpilot.plan.TestAffinity.fields;
import static io.drainpilot.plan.TestAffinity.required;
import static io.drainpilot.plan.TestAffinity.term;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class TargetRulesTest {
    private static final String GI = String.valueOf(1L << 30);
    private static final PlanInputs INPUTS = new PlanInputs(Set.of("node-4"),
            Map.of("node-2", 8L << 30, "small", 512L << 20, "busy", 8L << 30), Set.of(), true, true,
            Map.of("busy", 6L << 30, "node-3", 4L << 30));
    private static final PlanInputs NO_STEERING = new PlanInputs(Set.of("node-4"), Map.of(), Set.of(), true, false);

    private static TestVmis vmi() {
        return TestVmis.vmi("vm").on("node-1");
    }

    private static TestNodes zoned(String zone) {
        return node("node-2").label("zone", zone).label("gpu-count", "2");
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                arguments("fits", vmi(), node("node-2"), List.of()),
                arguments("source", vmi(), node("node-1"), List.of("is the source node")),
                arguments("not schedulable", vmi(), node("node-2").label(KubeVirtNames.LABEL_SCHEDULABLE, "false"),
                        List.of("not schedulable (kubevirt.io/schedulable=false)")),
                arguments("schedulable label missing", vmi(), node("node-2").without(KubeVirtNames.LABEL_SCHEDULABLE),
                        List.of("not schedulable (kubevirt.io/schedulable label missing)")),
                arguments("cordoned", vmi(), node("node-2").cordoned(), List.of("cordoned")),
                arguments("draining and cordoned", vmi(), node("node-4").cordoned(), List.of("cordoned", "draining")),
                arguments("nodeSelector matches", vmi().nodeSelector(Map.of("disktype", "ssd")),
                        node("node-2").label("disktype", "ssd"), List.of()),
                arguments("nodeSelector value differs", vmi().nodeSelector(Map.of("disktype", "ssd")),
                        node("node-2").label("disktype", "hdd"), List.of("does not match nodeSelector disktype=ssd")),
                arguments("nodeSelector label missing", vmi().nodeSelector(Map.of("disktype", "ssd", "a", "b")),
                        node("node-2"), List.of("does not match nodeSelector a=b,disktype=ssd")),
                // required node affinity, one operator at a time
                arguments("In matches", vmi().affinity(required(term(expr("zone", "In", "a", "b")))), zoned("b"), List.of()),
                arguments("In fails", vmi().affinity(required(term(expr("zone", "In", "a")))), zoned("b"),
                        List.of("does not match required node affinity: zone In [a]")),
                arguments("In fails on missing label", vmi().affinity(required(term(expr("rack", "In", "r1")))), zoned("b"),
                        List.of("does not match required node affinity: rack In [r1]")),
                arguments("NotIn matches", vmi().affinity(required(term(expr("zone", "NotIn", "a")))), zoned("b"), List.of()),
                arguments("NotIn matches missing label", vmi().affinity(required(term(expr("rack", "NotIn", "r1")))),
                        zoned("b"), List.of()),
                arguments("NotIn fails", vmi().affinity(required(term(expr("zone", "NotIn", "b")))), zoned("b"),
                        List.of("does not match required node affinity: zone NotIn [b]")),
                arguments("Exists matches", vmi().affinity(required(term(expr("zone", "Exists")))), zoned("b"), List.of()),
                arguments("Exists fails", vmi().affinity(required(term(expr("rack", "Exists")))), zoned("b"),
                        List.of("does not match required node affinity: rack Exists")),
                arguments("DoesNotExist matches", vmi().affinity(required(term(expr("rack", "DoesNotExist")))),
                        zoned("b"), List.of()),
                arguments("DoesNotExist fails", vmi().affinity(required(term(expr("zone", "DoesNotExist")))), zoned("b"),
                        List.of("does not match required node affinity: zone DoesNotExist")),
                arguments("Gt matches", vmi().affinity(required(term(expr("gpu-count", "Gt", "1")))), zoned("b"), List.of()),
                arguments("Gt fails", vmi().affinity(required(term(expr("gpu-count", "Gt", "2")))), zoned("b"),
                        List.of("does not match required node affinity: gpu-count Gt [2]")),
                arguments("Lt matches", vmi().affinity(required(term(expr("gpu-count", "Lt", "3")))), zoned("b"), List.of()),
                arguments("Lt fails on non-number", vmi().affinity(required(term(expr("zone", "Lt", "3")))), zoned("b"),
                        List.of("does not match required node affinity: zone Lt [3]")),
                arguments("unknown operator fails", vmi().affinity(required(term(expr("zone", "Near", "b")))), zoned("b"),
                        List.of("does not match required node affinity: zone Near [b]")),
                arguments("expressions are ANDed", vmi().affinity(required(term(expr("zone", "In", "b"),
                        expr("gpu-count", "Gt", "5")))), zoned("b"),
                        List.of("does not match required node affinity: gpu-count Gt [5]")),
                arguments("terms are ORed: second matches", vmi().affinity(required(term(expr("zone", "In", "a")),
                        term(expr("zone", "In", "b")))), zoned("b"), List.of()),
                arguments("terms are ORed: none matches", vmi().affinity(required(term(expr("zone", "In", "a")),
                        term(expr("rack", "Exists")))), zoned("b"),
                        List.of("does not match required node affinity: zone In [a] or rack Exists")),
                arguments("empty term matches nothing", vmi().affinity(required(term())), zoned("b"),
                        List.of("does not match required node affinity: empty term")),
                arguments("matchFields name matches", vmi().affinity(required(fields(expr("metadata.name", "In", "node-2")))),
                        zoned("b"), List.of()),
                arguments("matchFields name fails", vmi().affinity(required(fields(expr("metadata.name", "NotIn", "node-2")))),
                        zoned("b"), List.of("does not match required node affinity: metadata.name NotIn [node-2]")),
                arguments("preferred affinity never blocks", vmi().affinity(new AffinityBuilder().withNewNodeAffinity()
                        .addNewPreferredDuringSchedulingIgnoredDuringExecution().withWeight(1)
                        .withPreference(term(expr("zone", "In", "a"))).endPreferredDuringSchedulingIgnoredDuringExecution()
                        .endNodeAffinity().build()), zoned("b"), List.of()),
                // memory
                arguments("enough memory", vmi().guestMemory("8Gi"), node("node-2"), List.of()),
                arguments("not enough memory", vmi().guestMemory("1Gi"), node("small"),
                        List.of("not enough free memory (needs 1.0 GiB, 512.0 MiB free)")),
                arguments("request memory counts", vmi().requestedMemory(GI), node("small"),
                        List.of("not enough free memory (needs 1.0 GiB, 512.0 MiB free)")),
                arguments("unknown free memory is not rejected", vmi().guestMemory("64Gi"), node("node-3"), List.of()),
                arguments("unknown VMI memory is not rejected", vmi(), node("small"), List.of()),
                // room: what is arriving by unfinished migrations is taken from the free memory
                arguments("room left after arrivals", vmi().guestMemory("2Gi"), node("busy"), List.of()),
                arguments("no room left after arrivals", vmi().guestMemory("4Gi"), node("busy"),
                        List.of("not enough free memory (needs 4.0 GiB, 2.0 GiB free after 6.0 GiB arriving)")),
                arguments("arrivals on a node of unknown free memory are not rejected", vmi().guestMemory("64Gi"),
                        node("node-3"), List.of()),
                // readiness
                arguments("Ready", vmi(), node("node-2").ready("True"), List.of()),
                arguments("NotReady", vmi(), node("node-2").ready("False"), List.of("not Ready")),
                arguments("Ready Unknown", vmi(), node("node-2").ready("Unknown"), List.of("not Ready (Ready=Unknown)")),
                arguments("no Ready condition", vmi(), node("node-2").ready(null), List.of("not Ready (no Ready condition)")),
                // taints against the VMI's tolerations
                arguments("NoSchedule taint not tolerated", vmi(), node("node-2").taint("k", "v", "NoSchedule"),
                        List.of("taint k=v:NoSchedule not tolerated")),
                arguments("NoExecute taint without value not tolerated", vmi(), node("node-2").taint("k", null, "NoExecute"),
                        List.of("taint k:NoExecute not tolerated")),
                arguments("PreferNoSchedule is ignored", vmi(), node("node-2").taint("k", "v", "PreferNoSchedule"), List.of()),
                arguments("each untolerated taint is named", vmi().toleration("a", "Exists", null, null),
                        node("node-2").taint("a", "1", "NoSchedule").taint("b", "2", "NoSchedule").taint("c", "3", "NoExecute"),
                        List.of("taint b=2:NoSchedule not tolerated", "taint c=3:NoExecute not tolerated")),
                arguments("Equal with the same value tolerates", vmi().toleration("k", "Equal", "v", "NoSchedule"),
                        node("node-2").taint("k", "v", "NoSchedule"), List.of()),
                arguments("Equal with another value does not", vmi().toleration("k", "Equal", "w", "NoSchedule"),
                        node("node-2").taint("k", "v", "NoSchedule"), List.of("taint k=v:NoSchedule not tolerated")),
                arguments("empty operator means Equal", vmi().toleration("k", null, "v", null),
                        node("node-2").taint("k", "v", "NoSchedule"), List.of()),
                arguments("Exists ignores the value", vmi().toleration("k", "Exists", null, "NoExecute"),
                        node("node-2").taint("k", "v", "NoExecute"), List.of()),
                arguments("Exists on another key does not", vmi().toleration("j", "Exists", null, null),
                        node("node-2").taint("k", "v", "NoSchedule"), List.of("taint k=v:NoSchedule not tolerated")),
                arguments("empty key with Exists tolerates everything", vmi().toleration(null, "Exists", null, null),
                        node("node-2").taint("k", "v", "NoSchedule").taint("j", null, "NoExecute"), List.of()),
                arguments("empty effect matches every effect", vmi().toleration("k", "Exists", null, ""),
                        node("node-2").taint("k", "v", "NoSchedule").taint("k", "v", "NoExecute"), List.of()),
                arguments("another effect does not match", vmi().toleration("k", "Exists", null, "NoSchedule"),
                        node("node-2").taint("k", "v", "NoExecute"), List.of("taint k=v:NoExecute not tolerated")),
                arguments("NotReady's own taint is tolerated but NotReady still counts",
                        vmi().toleration("node.kubernetes.io/not-ready", "Exists", null, null),
                        node("node-2").ready("False").taint("node.kubernetes.io/not-ready", null, "NoSchedule"),
                        List.of("not Ready")),
                // steering names the target by its hostname label
                arguments("hostname label differing from the name is fine", vmi(),
                        node("node-2").label("kubernetes.io/hostname", "worker-2.example"), List.of()),
                arguments("no hostname label to steer to", vmi(), node("node-2").without("kubernetes.io/hostname"),
                        List.of("no kubernetes.io/hostname label to steer to")));
    }

    static Stream<Arguments> withoutSteering() {
        return Stream.of(
                arguments("no hostname label is fine when KubeVirt chooses", vmi(),
                        node("node-2").without("kubernetes.io/hostname"), List.of()),
                arguments("not Ready counts without steering too", vmi(), node("node-2").ready("False"), List.of("not Ready")),
                arguments("taints count without steering too", vmi(), node("node-2").taint("k", "v", "NoSchedule"),
                        List.of("taint k=v:NoSchedule not tolerated")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("withoutSteering")
    void violationsWithoutSteering(String name, TestVmis vmi, TestNodes target, List<String> expected) {
        assertThat(TargetRules.forVmi(vmi.build(), "node-1", NO_STEERING).violations(target.build()))
                .containsExactlyElementsOf(expected);
    }

    static Stream<Arguments> steeringSelectors() {
        return Stream.of(
                arguments("hostname label as the name", node("node-2"), Map.of("kubernetes.io/hostname", "node-2")),
                arguments("hostname label other than the name", node("node-2").label("kubernetes.io/hostname", "w2.example"),
                        Map.of("kubernetes.io/hostname", "w2.example")),
                arguments("swapped: another node's name as hostname", node("node-2").label("kubernetes.io/hostname", "node-3"),
                        Map.of("kubernetes.io/hostname", "node-3")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("steeringSelectors")
    void aMigrationIsSteeredByTheTargetsHostnameLabel(String name, TestNodes target, Map<String, String> expected) {
        io.fabric8.kubernetes.api.model.Node node = target.build();
        assertThat(TargetSteering.selectorFor("node-2", java.util.Optional.of(node))).isEqualTo(expected);
        // and read back to the node it names
        assertThat(TargetSteering.nodesByHostname(List.of(node, node("node-9").build()))
                .get(expected.get("kubernetes.io/hostname"))).isEqualTo("node-2");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void violations(String name, TestVmis vmi, TestNodes target, List<String> expected) {
        assertThat(TargetRules.forVmi(vmi.build(), "node-1", INPUTS).violations(target.build()))
                .containsExactlyElementsOf(expected);
    }
}
