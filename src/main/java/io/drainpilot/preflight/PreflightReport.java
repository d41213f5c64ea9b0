package io.drainpilot.preflight;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonValue;
import io.drainpilot.plan.NarrowPlacements;
import io.drainpilot.work.Decision;
import io.drainpilot.work.NodePlan;
import io.drainpilot.work.VmState;
import io.drainpilot.work.VmWork;

import java.io.PrintStream;
import java.util.List;

/**
 * What {@code --preflight} found: per node, what would happen to each of its VMs if it drained now, plus the advice
 * and findings about the whole cluster. Printed as a table or as JSON ({@code -o json}); the JSON field names are
 * public (README).
 *
 * @param nodes          per node, its VMs' decisions
 * @param commonCpuModel a named CPU model every schedulable node offers, or null
 * @param schedulable    how many nodes are schedulable
 * @param stuck          VMs that could not move
 * @param stalePlacements VMs that can run on few nodes only (pinned, or a kept host-model CPU few nodes offer)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PreflightReport(List<NodeReport> nodes, String commonCpuModel, int schedulable, int stuck,
        List<NarrowPlacements.Finding> stalePlacements) {

    /** What the drain would do with one VM. */
    public enum Verdict {
        /** It would be migrated (or a migration is already under way). */
        MOVE("move"),
        /** It could not move: not migratable, no compatible target, no safe target. */
        STUCK("stuck"),
        /** Labelled to be left alone (VMI or VM), or without a node. */
        SKIPPED("skipped");

        private final String wire;

        Verdict(String wire) {
            this.wire = wire;
        }

        @JsonValue
        public String wire() {
            return wire;
        }
    }

    /**
     * @param vm      namespace/name
     * @param verdict move, stuck or skipped
     * @param targets for a move planned now: the compatible targets, best first
     * @param outcome the planner's outcome (Migrate, NotMigratable, NoCompatibleTarget, NoSafeTarget), or the VM's
     *                state when it was not planned (Skipped, Migrating, ...)
     * @param reason  why, in words
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record VmReport(String vm, Verdict verdict, List<String> targets, String outcome, String reason) {

        static VmReport of(VmWork v) {
            if (v.state() == VmState.SKIPPED) {
                return new VmReport(v.key(), Verdict.SKIPPED, null, v.state().wire(), v.note());
            }
            Decision d = v.decision();
            if (d instanceof Decision.Migrate m) {
                return new VmReport(v.key(), Verdict.MOVE, m.rankedTargets(), m.outcome(), d.describe());
            }
            if (d != null) {
                return new VmReport(v.key(), Verdict.STUCK, null, d.outcome(), d.describe());
            }
            return new VmReport(v.key(), Verdict.MOVE, null, v.state().wire(), v.note());
        }
    }

    /** One node's VMs. */
    public record NodeReport(String node, List<VmReport> vms) {
        static NodeReport of(NodePlan plan) {
            return new NodeReport(plan.node(), plan.vms().stream().map(VmReport::of).toList());
        }
    }

    /** Only JSON on standard output (pipes into jq). */
    public void printJson(PrintStream out) {
        try {
            out.println(new com.fasterxml.jackson.databind.ObjectMapper()
                    .enable(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT).writeValueAsString(this));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The table: one block per node, then the advice. */
    public void print(PrintStream out) {
        for (NodeReport n : nodes) {
            List<VmReport> vms = n.vms().stream().filter(v -> v.verdict() != Verdict.SKIPPED).toList();
            out.println("If " + n.node() + " drained now (" + vms.size() + " VM" + (vms.size() == 1 ? "" : "s") + "):");
            for (VmReport v : vms) {
                out.println("  " + (v.verdict() == Verdict.STUCK ? "STUCK" : "ok   ") + " " + v.vm() + ": "
                        + (v.reason() == null ? v.outcome().toLowerCase() : v.reason()));
            }
            n.vms().stream().filter(v -> v.verdict() == Verdict.SKIPPED)
                    .forEach(v -> out.println("  skip  " + v.vm() + ": " + v.reason()));
        }
        if (stalePlacements != null && !stalePlacements.isEmpty()) {
            out.println("VMs that can run on few nodes (Harvester's pre-drain job stops VMs with a nodeSelector or"
                    + " an affinity no other node matches):");
            for (NarrowPlacements.Finding s : stalePlacements) {
                out.println("  " + s.vm() + ": " + s.kind().wire() + " " + s.detail() + " -> " + (s.nodes().isEmpty() ? "no schedulable node" : String.join(", ", s.nodes())));
            }
        }
        out.println(commonCpuModel != null ? "Common CPU model of all " + schedulable + " schedulable nodes: "
                + commonCpuModel + " (set spec.domain.cpu.model: " + commonCpuModel + " on VMs that have nowhere to go)"
                : "No named CPU model is supported by every schedulable node.");
        out.println(stuck == 0 ? "Every VM could move." : stuck + " VM(s) could not move.");
    }
}
