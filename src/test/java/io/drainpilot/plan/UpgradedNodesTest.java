package io.drainpilot.plan;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Only the running Harvester upgrade's succeeded nodes are preferred targets. */
class UpgradedNodesTest {

    /** An Upgrade CR: node states as "node=state;...", Completed condition status (or - for none). */
    private static GenericKubernetesResource upgrade(String nodeStates, String completed) {
        Map<String, Object> perNode = new LinkedHashMap<>();
        if (!nodeStates.isBlank()) {
            for (String pair : nodeStates.split(";")) {
                String[] kv = pair.split("=");
                perNode.put(kv[0], Map.of("state", kv[1]));
            }
        }
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("nodeStatuses", perNode);
        List<Object> conditions = new ArrayList<>();
        if (!"-".equals(completed)) {
            conditions.add(Map.of("type", "Completed", "status", completed));
        }
        conditions.add(Map.of("type", "RepoReady", "status", "True"));
        status.put("conditions", conditions);
        GenericKubernetesResource u = new GenericKubernetesResource();
        u.setAdditionalProperty("status", status);
        return u;
    }

    @ParameterizedTest(name = "running [{0}] + earlier [{1}] -> {2}")
    @CsvSource(delimiter = '|', value = {
            // running upgrade (no Completed condition yet) | an earlier, finished one (Completed=True) | preferred
            "node-1=Succeeded;node-2=Pre-draining;node-3=Images preloaded | '' | node-1",
            "node-1=Succeeded;node-2=Succeeded | node-3=Succeeded | node-1,node-2",
            "node-2=Pre-draining | node-1=Succeeded;node-3=Succeeded | ''",
            "'' | node-1=Succeeded | ''",
    })
    void onlyTheRunningUpgradeCounts(String running, String finished, String expected) {
        Set<String> got = UpgradedNodes.of(List.of(upgrade(running, "-"), upgrade(finished, "True")));
        assertThat(got).containsExactlyElementsOf(expected.isBlank() ? List.of() : List.of(expected.split(",")));
    }

    @ParameterizedTest(name = "Completed={0}: counts {1}")
    @CsvSource({"-, true", "True, false", "False, false", "Unknown, true"})
    void aFailedUpgradeIsOverToo(String completed, boolean counts) {
        assertThat(UpgradedNodes.of(List.of(upgrade("node-1=Succeeded", completed))).contains("node-1")).isEqualTo(counts);
    }

    @org.junit.jupiter.api.Test
    void anUpgradeWithoutStatusCountsForNothing() {
        assertThat(UpgradedNodes.of(List.of(new GenericKubernetesResource()))).isEmpty();
    }
}
