package io.drainpilot.sim;

import io.drainpilot.kubevirt.MigrationPolicy;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * KubeVirt's choice of the MigrationPolicy for a VMI: a policy matches when every label of its VMI selector is on the
 * VMI and every label of its namespace selector is on the VMI's namespace; a policy without selectors matches
 * nothing. Of several matches the one with the most matching labels (VMI plus namespace) wins, then the one with more
 * matching VMI labels, then the lexicographically first name. As in KubeVirt the namespace selector is only looked at
 * when the VMI has labels at all.
 */
final class PolicyMatch {
    private PolicyMatch() {
    }

    record Score(int vmiLabels, int namespaceLabels) {
        int total() {
            return vmiLabels + namespaceLabels;
        }
    }

    static Optional<MigrationPolicy> best(List<MigrationPolicy> policies, Map<String, String> vmiLabels,
                                          Map<String, String> namespaceLabels) {
        MigrationPolicy best = null;
        Score bestScore = null;
        List<MigrationPolicy> byName = policies.stream()
                .sorted(Comparator.comparing(p -> p.getMetadata().getName())).toList();
        for (MigrationPolicy policy : byName) {
            Optional<Score> score = score(policy, vmiLabels, namespaceLabels);
            if (score.isPresent() && (bestScore == null || greater(score.get(), bestScore))) {
                best = policy;
                bestScore = score.get();
            }
        }
        return Optional.ofNullable(best);
    }

    static Optional<Score> score(MigrationPolicy policy, Map<String, String> vmiLabels, Map<String, String> namespaceLabels) {
        MigrationPolicy.Selectors selectors = policy.getSpec() == null ? null : policy.getSpec().selectors;
        if (selectors == null) {
            return Optional.empty();
        }
        int vmi = 0;
        int ns = 0;
        if (selectors.virtualMachineInstanceSelector != null && vmiLabels != null) {
            vmi = count(selectors.virtualMachineInstanceSelector, vmiLabels);
            if (vmi < 0) {
                return Optional.empty();
            }
        }
        if (selectors.namespaceSelector != null && vmiLabels != null) {
            ns = count(selectors.namespaceSelector, namespaceLabels == null ? Map.of() : namespaceLabels);
            if (ns < 0) {
                return Optional.empty();
            }
        }
        return Optional.of(new Score(vmi, ns));
    }

    /** How many selector labels match, or -1 when one does not. */
    private static int count(Map<String, String> selector, Map<String, String> labels) {
        for (Map.Entry<String, String> e : selector.entrySet()) {
            if (!e.getValue().equals(labels.get(e.getKey()))) {
                return -1;
            }
        }
        return selector.size();
    }

    private static boolean greater(Score a, Score b) {
        if (a.total() != b.total()) {
            return a.total() > b.total();
        }
        return a.vmiLabels() > b.vmiLabels();
    }
}
