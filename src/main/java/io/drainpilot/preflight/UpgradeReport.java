package io.drainpilot.preflight;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.drainpilot.plan.NarrowPlacements;
import io.drainpilot.plan.UpgradePlan;
import io.drainpilot.plan.VmiMemory;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code --preflight --upgrade}: the upgrade plan as a table or as JSON. The JSON field names are public (README):
 * {@code order}, {@code orderSource}, {@code harvesterVersion}, {@code steps[]} ({@code step}, {@code node},
 * {@code moves[]} {@code vm/from/to/targets}, {@code stuck[]} {@code vm/outcome/reason}, {@code skipped[]},
 * {@code harvesterWouldStop[]} {@code vm/reason}, {@code freeMemoryBytes}), {@code movedMoreThanOnce[]} ({@code vm},
 * {@code moves}, {@code path}, {@code roomOnlyMoves}, {@code roomOnlyPath}), {@code totals} ({@code vms},
 * {@code migrationsPlanned}, {@code migrationsMinimum}, {@code migrationsRoomOnly}, {@code movedMoreThanOnce},
 * {@code stuck}), {@code stalePlacements[]}, {@code commonCpuModel}.
 */
public record UpgradeReport(UpgradePlan.Result plan, UpgradePlan.Result roomOnly, String orderSource,
        String harvesterVersion, List<NarrowPlacements.Finding> stalePlacements, String commonCpuModel) {

    public int stuck() {
        return plan.totals().stuck();
    }

    /** The JSON document, as maps and lists in a fixed order. */
    public Map<String, Object> json() {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("order", plan.order());
        root.put("orderSource", orderSource);
        if (harvesterVersion != null) {
            root.put("harvesterVersion", harvesterVersion);
        }
        List<Object> steps = new ArrayList<>();
        for (UpgradePlan.Step s : plan.steps()) {
            Map<String, Object> step = new LinkedHashMap<>();
            step.put("step", s.step());
            step.put("node", s.node());
            step.put("moves", s.moves().stream().map(m -> ordered("vm", m.vm(), "from", m.from(), "to", m.to(),
                    "targets", m.targets())).toList());
            step.put("stuck", s.stuck().stream().map(m -> ordered("vm", m.vm(), "outcome", m.outcome(), "reason",
                    m.reason())).toList());
            step.put("skipped", s.skipped());
            step.put("harvesterWouldStop", s.harvesterWouldStop().stream().map(r -> ordered("vm", r.vm(), "reason",
                    r.reason())).toList());
            step.put("freeMemoryBytes", s.freeMemoryBytes());
            steps.add(step);
        }
        root.put("steps", steps);
        root.put("movedMoreThanOnce", plan.movedMoreThanOnce().stream().map(r -> ordered("vm", r.vm(), "moves",
                r.moves(), "path", r.path(), "roomOnlyMoves", r.otherMoves(), "roomOnlyPath", r.otherPath())).toList());
        UpgradePlan.Totals t = plan.totals();
        root.put("totals", ordered("vms", t.vms(), "migrationsPlanned", t.planned(), "migrationsMinimum", t.minimum(),
                "migrationsRoomOnly", roomOnly.totals().planned(), "movedMoreThanOnce", t.movedAgain(), "stuck",
                t.stuck()));
        root.put("stalePlacements", stalePlacements.stream().map(s -> ordered("vm", s.vm(), "kind", s.kind().wire(),
                "nodes", s.nodes(), "detail", s.detail())).toList());
        root.put("commonCpuModel", commonCpuModel);
        return root;
    }

    public void printJson(PrintStream out) {
        try {
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(json()));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public void print(PrintStream out) {
        out.println("Upgrade plan: " + plan.order().size() + " nodes in this order (" + orderSource + "): "
                + String.join(", ", plan.order()));
        for (UpgradePlan.Step s : plan.steps()) {
            out.println("Step " + s.step() + ": " + s.node() + " drains");
            s.moves().forEach(m -> out.println("  move  " + m.vm() + ": " + m.from() + " -> " + m.to()));
            s.stuck().forEach(m -> out.println("  STUCK " + m.vm() + ": " + m.reason()));
            s.skipped().forEach(v -> out.println("  skip  " + v));
            s.harvesterWouldStop().forEach(r -> out.println("  Harvester " + harvesterVersion
                    + "'s pre-drain job would stop " + r.vm() + ": " + r.reason()));
            List<String> room = new ArrayList<>();
            s.freeMemoryBytes().forEach((n, b) -> room.add(n + " " + VmiMemory.human(Math.max(0, b))));
            out.println("  free memory after: " + String.join(", ", room));
        }
        if (!plan.movedMoreThanOnce().isEmpty()) {
            out.println("VMs that move more than once:");
            plan.movedMoreThanOnce().forEach(r -> out.println("  " + r.vm() + ": " + r.moves() + " move(s) "
                    + String.join(" -> ", r.path()) + "; by room alone " + r.otherMoves() + " move(s) "
                    + String.join(" -> ", r.otherPath())));
        }
        if (!stalePlacements.isEmpty()) {
            out.println("VMs that can run on few nodes:");
            stalePlacements.forEach(s -> out.println("  " + s.vm() + ": " + s.kind().wire() + " " + s.detail() + " -> "
                    + String.join(", ", s.nodes())));
        }
        if (commonCpuModel != null) {
            out.println("Common CPU model of every schedulable node: " + commonCpuModel + " (set spec.domain.cpu.model: "
                    + commonCpuModel + " on VMs that have nowhere to go)");
        }
        UpgradePlan.Totals t = plan.totals();
        out.println("Totals: " + t.vms() + " VMs, " + t.planned() + " migrations planned (minimum " + t.minimum()
                + ", by room alone " + roomOnly.totals().planned() + "), " + t.movedAgain() + " VM(s) moved more than once, "
                + t.stuck() + " VM(s) with nowhere to go at some step.");
    }

    private static Map<String, Object> ordered(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }
}
