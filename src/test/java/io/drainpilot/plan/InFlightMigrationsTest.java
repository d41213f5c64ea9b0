package io.drainpilot.plan;

import io.drainpilot.kubevirt.VirtualMachineInstanceMigration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Which node a migration is heading for: the one KubeVirt reports, else the node whose hostname label the
 * addedNodeSelector names. Nodes: node-2 labelled "worker-2", node-3 labelled "node-2" (hostname and name differ).
 */
class InFlightMigrationsTest {
    private static final Map<String, String> BY_HOSTNAME = Map.of("worker-2", "node-2", "node-2", "node-3");

    static Stream<Arguments> rows() {
        return Stream.of(
                arguments("steered, not scheduled yet: the label's node", "worker-2", null, "node-2"),
                arguments("a hostname that is another node's name", "node-2", null, "node-3"),
                arguments("a hostname no node carries: no node", "gone", null, null),
                arguments("KubeVirt's report wins", "worker-2", "node-5", "node-5"),
                arguments("not steered, not scheduled: not known", null, null, null),
                arguments("not steered, scheduled", null, "node-4", "node-4"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void targetOf(String name, String hostname, String reported, String expected) {
        VirtualMachineInstanceMigration m = TriageTest.migration("m", "Scheduling", Map.of());
        m.getSpec().vmiName = "vm";
        if (hostname != null) {
            m.getSpec().addedNodeSelector = Map.of(TargetSteering.HOSTNAME_LABEL, hostname);
        }
        if (reported != null) {
            m.getStatus().migrationState = new VirtualMachineInstanceMigration.MigrationStateRef();
            m.getStatus().migrationState.targetNode = reported;
        }
        assertThat(InFlightMigrations.targetOf(m, BY_HOSTNAME).orElse(null)).isEqualTo(expected);
        InFlightMigrations inFlight = InFlightMigrations.of(java.util.List.of(m), BY_HOSTNAME);
        assertThat(inFlight.total()).isEqualTo(1);
        if (expected != null) {
            assertThat(inFlight.into(expected)).isEqualTo(1);
        }
        assertThat(inFlight.into("worker-2")).isZero();
    }
}
