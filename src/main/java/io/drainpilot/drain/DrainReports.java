package io.drainpilot.drain;

import io.drainpilot.config.Settings;
import io.drainpilot.kubevirt.ClusterApi;
import io.drainpilot.kubevirt.MigrationPhase;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.kubevirt.VirtualMachineInstanceMigration;
import io.drainpilot.names.Bookkeeping;
import io.drainpilot.names.Names;
import io.drainpilot.observe.StatusBoard;
import io.drainpilot.plan.DrainReportBuilder;
import io.drainpilot.plan.Triage;
import io.drainpilot.view.ClusterView;
import io.drainpilot.work.AlertNotes;
import io.drainpilot.work.DrainEnd;
import io.drainpilot.work.DrainReport;
import io.drainpilot.work.EvacuationSummary;
import io.drainpilot.work.NodePlan;
import io.drainpilot.work.NodeStatus;
import io.drainpilot.work.Outcome;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Writes a drain's report when the drain ends (Completed, Cancelled, withdrawn, or its Node deleted): a ConfigMap per
 * drain in DrainPilot's namespace ({@link Names#reportName}, labelled {@code drainpilot.io/report=true} and
 * {@code drainpilot.io/node=<node>}) holding {@code report.json} and {@code report.txt}, built by
 * {@link DrainReportBuilder} from what the drain recorded in the cluster; then keeps the newest
 * {@code drainpilot.report.retain} and tells one Event on the node. Idempotent: a report already there for the same
 * drain and end keeps its end time, so writing it again (a redelivery, a new leader) changes nothing and tells no
 * second Event. Every write goes through {@link ClusterApi}, fenced like all writes.
 */
public class DrainReports {
    private static final Logger LOG = LoggerFactory.getLogger(DrainReports.class);
    public static final String EVENT_REASON = "DrainPilotDrainReport";

    private final ClusterView view;
    private final ClusterApi api;
    private final NodeStatus status;
    private final DrainScanner scanner;
    private final StatusBoard board;
    private final Clock clock;
    private final String namespace;
    private final int retain;
    /** Per node, the drain and end last reported by this process: a cancelled node asks on every evaluation. */
    private final Map<String, String> reported = new ConcurrentHashMap<>();

    public DrainReports(ClusterView view, ClusterApi api, NodeStatus status, DrainScanner scanner, StatusBoard board,
            Settings settings, Clock clock) {
        this.view = view;
        this.api = api;
        this.status = status;
        this.scanner = scanner;
        this.board = board;
        this.clock = clock;
        this.namespace = settings.leaderNamespace;
        this.retain = settings.reportRetain;
    }

    /** The node's drain was released (Completed). */
    public void completed(NodePlan plan) {
        safely(plan.node(), () -> write(plan.node(), DrainEnd.COMPLETED, plan.request().signals()));
    }

    /**
     * A node found Completed by an earlier evaluation (or an earlier leader): its report is written if it is missing
     * (a leader that stopped between the release and the report), once per drain and process; one that is there is
     * left as it is.
     */
    public void completedBefore(NodePlan plan) {
        safely(plan.node(), () -> {
            String drainId = DrainSignals.annotations(plan.request().node()).get(Bookkeeping.DRAIN_ID);
            if (retain == 0 || drainId == null || (drainId + "/" + DrainEnd.COMPLETED.wire()).equals(reported.get(plan.node()))) {
                return;
            }
            if (api.configMap(namespace, Names.reportName(plan.node(), drainId)).isPresent()) {
                reported.put(plan.node(), drainId + "/" + DrainEnd.COMPLETED.wire());
                return;
            }
            LOG.info("Node {}: drain {} completed without its report: writing it now", plan.node(), drainId);
            write(plan.node(), DrainEnd.COMPLETED, plan.request().signals());
        });
    }

    /** The node's drain is cancelled: reported once per drain (a failed write is tried at the next evaluation). */
    public void cancelled(NodePlan plan) {
        safely(plan.node(), () -> write(plan.node(), DrainEnd.CANCELLED, plan.request().signals()));
    }

    /**
     * A report is a record, not a duty: one that cannot be written is logged and never holds up the release or the
     * drain's next steps. Only a replica that is no longer the leader stops the exchange, as for every write.
     */
    private static void safely(String node, Runnable report) {
        try {
            report.run();
        } catch (io.drainpilot.kubevirt.WriteFence.NotLeaderException e) {
            throw e;
        } catch (RuntimeException e) {
            LOG.warn("Node {}: drain report not written: {}", node, e.getMessage());
        }
    }

    /**
     * A node no drain asks for: a drain withdrawn before it was done (its last state InProgress or Blocked; Completed
     * and Cancelled drains are reported already), or a node deleted while DrainPilot's migrations from it remain.
     */
    public void ended(String node) {
        if (retain == 0 || !view.synced()) {
            return;
        }
        safely(node, () -> endedNow(node));
    }

    private void endedNow(String node) {
        if (view.node(node).isPresent()) {
            String was = scanner.takeClosed(node);
            if (Names.IN_PROGRESS.equals(was) || Names.BLOCKED.equals(was)) {
                write(node, DrainEnd.WITHDRAWN, List.of());
            }
            return;
        }
        List<VirtualMachineInstanceMigration> ours = view.migrationsFrom(node).stream().filter(Triage::isOurs).toList();
        Optional<String> drainId = ours.stream()
                .max(Comparator.comparing((VirtualMachineInstanceMigration m) -> String.valueOf(m.getMetadata().getCreationTimestamp())))
                .map(m -> m.getMetadata().getLabels().get(Bookkeeping.MIGRATION_DRAIN));
        if (drainId.isEmpty()) {
            return;
        }
        // the node's annotations are gone with it: what its migrations say is the record
        Map<String, Outcome> outcomes = new HashMap<>();
        ours.stream().filter(m -> m.phase() == MigrationPhase.SUCCEEDED && drainId.get().equals(
                m.getMetadata().getLabels().get(Bookkeeping.MIGRATION_DRAIN)))
                .forEach(m -> outcomes.put(m.getMetadata().getNamespace() + "/" + m.vmiName(), Outcome.MIGRATED));
        DrainReportBuilder.Facts facts = new DrainReportBuilder.Facts(node, drainId.get(), DrainEnd.NODE_GONE, List.of(),
                null, now(), outcomes, ours, Map.of(), Set.of(), Map.of());
        publish(node, new NodeBuilder().withNewMetadata().withName(node).endMetadata().build(), facts);
    }

    private void write(String node, DrainEnd end, List<String> requestSignals) {
        if (retain == 0) {
            return;
        }
        Optional<Node> n = view.node(node);
        if (n.isEmpty()) {
            return;
        }
        Map<String, String> ann = DrainSignals.annotations(n.get());
        String drainId = ann.get(Bookkeeping.DRAIN_ID);
        if (drainId == null) {
            return;
        }
        if ((drainId + "/" + end.wire()).equals(reported.get(node))) {
            return;
        }
        Map<String, Outcome> outcomes = new HashMap<>(NodeStatus.outcomesOf(ann));
        status.noted(node).forEach(outcomes::putIfAbsent);
        EvacuationSummary summary = EvacuationSummary.parse(ann.get(Names.EVACUATION_SUMMARY));
        List<String> signals = NodeStatus.signalsOf(ann);
        Map<String, VirtualMachineInstance> vmis = new HashMap<>();
        Set<String> onNode = new HashSet<>();
        for (VirtualMachineInstance v : view.vmisOn(node)) {
            String key = v.getMetadata().getNamespace() + "/" + v.getMetadata().getName();
            vmis.put(key, v);
            boolean here = v.nodeName().map(node::equals).orElse(false);
            if (here && !"Succeeded".equals(v.phase()) && !"Failed".equals(v.phase()) && !outcomes.containsKey(key)) {
                onNode.add(key);
            }
        }
        for (String key : outcomes.keySet()) {
            int slash = key.indexOf('/');
            view.vmi(key.substring(0, slash), key.substring(slash + 1)).ifPresent(v -> vmis.putIfAbsent(key, v));
        }
        DrainReportBuilder.Facts facts = new DrainReportBuilder.Facts(node, drainId, end,
                signals.isEmpty() ? requestSignals : signals, summary == null ? null : summary.startedAt(), now(),
                outcomes, view.migrationsFrom(node), vmis, onNode, AlertNotes.parse(ann.get(Bookkeeping.ALERTS)));
        publish(node, n.get(), facts);
    }

    private void publish(String node, Node about, DrainReportBuilder.Facts facts) {
        String name = Names.reportName(node, facts.drainId());
        // the same drain reported before (a redelivery, another leader): keep its end time, so nothing changes
        Optional<ConfigMap> existing = api.configMap(namespace, name);
        DrainReport before = existing.map(c -> c.getData() == null ? null : c.getData().get(Names.REPORT_JSON))
                .map(DrainReport::parse).orElse(null);
        if (before != null && facts.end().wire().equals(before.end()) && before.endedAt() != null) {
            facts = new DrainReportBuilder.Facts(facts.node(), facts.drainId(), facts.end(), facts.signals(),
                    facts.startedAt(), before.endedAt(), facts.outcomes(), facts.migrations(), facts.vmis(),
                    facts.onNode(), facts.alerts());
        }
        DrainReport report = DrainReportBuilder.build(facts);
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(Names.REPORT, "true");
        labels.put(Names.REPORT_NODE, Names.labelValue(node));
        labels.put(Names.REPORT_DRAIN_ID, facts.drainId());
        labels.put(Names.MANAGED_BY, Names.MANAGED_BY_VALUE);
        Map<String, String> annotations = new LinkedHashMap<>();
        // the retention's order: to the millisecond (reports of one node can end within a second), kept on rewrites
        annotations.put(Names.REPORT_ENDED_AT, existing.map(c -> c.getMetadata().getAnnotations())
                .map(a -> a.get(Names.REPORT_ENDED_AT)).orElseGet(() -> clock.instant().toString()));
        annotations.put(Names.REPORT_NODE, node);
        Map<String, String> data = new LinkedHashMap<>();
        data.put(Names.REPORT_JSON, report.toJson());
        data.put(Names.REPORT_TEXT, fit(report.text()));
        ConfigMap cm = new ConfigMapBuilder().withNewMetadata().withNamespace(namespace).withName(name)
                .withLabels(labels).withAnnotations(annotations).endMetadata().withData(data).build();
        boolean changed = api.putConfigMap(cm, existing);
        reported.put(node, facts.drainId() + "/" + facts.end().wire());
        board.reported(new StatusBoard.ReportLine(node, facts.drainId(), name, report.endedAt(), report.end()));
        if (!changed) {
            return;
        }
        LOG.info("Node {}: drain report {}/{} written ({})", node, namespace, name, report.summary(namespace + "/" + name));
        trim();
        api.event(about, "Normal", EVENT_REASON, report.summary("ConfigMap " + namespace + "/" + name));
    }

    /** Keeps the newest {@code retain} reports (by their end time, then name); the older ones are deleted. */
    private void trim() {
        List<ConfigMap> all = api.configMapsLabelled(namespace, Names.REPORT, "true");
        if (all.size() <= retain) {
            return;
        }
        List<ConfigMap> oldestFirst = all.stream().sorted(Comparator.comparing(DrainReports::endedAt)
                .thenComparing(c -> c.getMetadata().getName())).toList();
        for (ConfigMap old : oldestFirst.subList(0, all.size() - retain)) {
            api.deleteConfigMap(namespace, old.getMetadata().getName());
            LOG.info("drain report {}/{} deleted (drainpilot.report.retain={})", namespace, old.getMetadata().getName(),
                    retain);
        }
    }

    /** A report's end as its annotation says; one without a readable one counts as oldest. */
    private static java.time.Instant endedAt(ConfigMap c) {
        String at = c.getMetadata().getAnnotations() == null ? null : c.getMetadata().getAnnotations().get(Names.REPORT_ENDED_AT);
        try {
            return at == null ? java.time.Instant.EPOCH : java.time.Instant.parse(at);
        } catch (RuntimeException e) {
            return java.time.Instant.EPOCH;
        }
    }

    /** A ConfigMap holds at most 1 MiB: the text gives way first (the JSON is the record). */
    private static String fit(String text) {
        int max = 400_000;
        return text.length() <= max ? text : text.substring(0, max) + "\n... (cut: see report.json)\n";
    }

    private String now() {
        return clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
