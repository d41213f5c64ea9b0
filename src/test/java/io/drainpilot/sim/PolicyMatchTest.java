package io.drainpilot.sim;

import io.drainpilot.kubevirt.MigrationPolicy;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class PolicyMatchTest {

    static MigrationPolicy policy(String name, Map<String, String> vmiSelector, Map<String, String> nsSelector) {
        MigrationPolicy p = new MigrationPolicy();
        p.setMetadata(new ObjectMetaBuilder().withName(name).build());
        p.setSpec(new MigrationPolicy.Spec());
        if (vmiSelector != null || nsSelector != null) {
            p.getSpec().selectors = new MigrationPolicy.Selectors();
            p.getSpec().selectors.virtualMachineInstanceSelector = vmiSelector;
            p.getSpec().selectors.namespaceSelector = nsSelector;
        }
        return p;
    }

    private static String best(List<MigrationPolicy> policies, Map<String, String> vmi, Map<String, String> ns) {
        return PolicyMatch.best(policies, vmi, ns).map(p -> p.getMetadata().getName()).orElse("none");
    }

    @Test
    void choosesLikeKubeVirt() {
        Map<String, String> vmi = Map.of("app", "db", "tier", "gold");
        Map<String, String> ns = Map.of("team", "a");
        MigrationPolicy oneVmiLabel = policy("one", Map.of("app", "db"), null);
        MigrationPolicy twoVmiLabels = policy("two", Map.of("app", "db", "tier", "gold"), null);
        MigrationPolicy oneNsLabel = policy("ns", null, Map.of("team", "a"));
        MigrationPolicy vmiAndNs = policy("both", Map.of("app", "db"), Map.of("team", "a"));
        MigrationPolicy mismatch = policy("other", Map.of("app", "web"), null);
        MigrationPolicy noSelectors = policy("empty", null, null);

        assertThat(best(List.of(mismatch, noSelectors), vmi, ns)).isEqualTo("none");
        assertThat(best(List.of(oneVmiLabel, mismatch), vmi, ns)).isEqualTo("one");
        // most matching labels wins
        assertThat(best(List.of(oneVmiLabel, twoVmiLabels), vmi, ns)).isEqualTo("two");
        // a tie in total goes to more VMI labels: two VMI labels beat one VMI plus one namespace label
        assertThat(best(List.of(vmiAndNs, twoVmiLabels), vmi, ns)).isEqualTo("two");
        // one VMI label beats one namespace label
        assertThat(best(List.of(oneNsLabel, oneVmiLabel), vmi, ns)).isEqualTo("one");
        // a full tie goes to the first name
        assertThat(best(List.of(policy("zeta", Map.of("app", "db"), null), policy("alpha", Map.of("tier", "gold"), null)),
                vmi, ns)).isEqualTo("alpha");
        // a namespace selector needs the namespace's labels
        assertThat(best(List.of(vmiAndNs), vmi, Map.of())).isEqualTo("none");
        // KubeVirt looks at the namespace selector only when the VMI has labels
        assertThat(best(List.of(oneNsLabel), null, ns)).isEqualTo("ns");
    }
}
