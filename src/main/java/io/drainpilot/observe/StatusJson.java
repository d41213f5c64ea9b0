package io.drainpilot.observe;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.drainpilot.work.EvacuationSummary;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@code GET /drainpilot/status} answers (routes/status.camel.yaml): the {@link StatusBoard} as JSON, one
 * entry per node with its state, signals, VM counts per state, progress and each VM's line; and the page at
 * {@code GET /drainpilot/} that shows it. Every replica answers: the leader (or a single process) from its board, a
 * follower from the nodes' annotations in its cluster view ({@link AnnotatedNodes}); both add the drains that ended
 * lately ({@link DrainHistory}), this replica's role and the leader's name.
 */
public class StatusJson {
    /** This replica's part, as the status JSON spells it. */
    public enum Role {
        /** Leader election on, and this replica holds the Lease: it evaluates and writes. */
        LEADER("leader"),
        /** Leader election on, another replica (or none yet) holds the Lease: this one only watches. */
        FOLLOWER("follower"),
        /** Leader election off: the only process. */
        SINGLE("single");

        private final String wire;

        Role(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }
    }

    /** This replica's role and the current Lease holder's pod name (null when unknown or without election). */
    public record Leadership(Role role, String leader) {
        public static final Leadership SINGLE = new Leadership(Role.SINGLE, null);
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    /** VM states that mean DrainPilot is done with the VM (its fallback applied). */
    private static final String SETTLED = "Settled";

    private final StatusBoard board;
    private volatile io.drainpilot.work.ProgressBoard progress = new io.drainpilot.work.ProgressBoard();
    private final String page;
    private final boolean dryRun;
    private volatile String namespace;
    private final DrainHistory.Summaries summaries = new DrainHistory.Summaries();
    private final java.util.function.Supplier<List<io.fabric8.kubernetes.api.model.Node>> nodes;
    private final java.util.function.Function<List<io.fabric8.kubernetes.api.model.Node>, Map<String, List<String>>> signals;
    private volatile java.util.function.Supplier<Leadership> leadership = () -> Leadership.SINGLE;

    public StatusJson(StatusBoard board) {
        this(board, false, List::of, n -> Map.of());
    }

    /**
     * @param nodes   the cached nodes (no request): a follower's cards and every replica's history come from them
     * @param signals the drain signals of the given nodes, read without writing anything
     */
    public StatusJson(StatusBoard board, boolean dryRun, java.util.function.Supplier<List<io.fabric8.kubernetes.api.model.Node>> nodes,
            java.util.function.Function<List<io.fabric8.kubernetes.api.model.Node>, Map<String, List<String>>> signals) {
        this.board = board;
        this.dryRun = dryRun;
        this.nodes = nodes;
        this.signals = signals;
        try (InputStream in = StatusJson.class.getResourceAsStream("/drainpilot/status.html")) {
            if (in == null) {
                throw new IllegalStateException("drainpilot/status.html missing from the classpath");
            }
            page = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Running migrations' bytes and percent, shown per VM when Prometheus reports them. */
    public void progress(io.drainpilot.work.ProgressBoard progress) {
        this.progress = progress;
    }

    /** The namespace DrainPilot runs in (where its own objects are), for the page's kubectl hints. */
    public void namespace(String namespace) {
        this.namespace = namespace;
    }

    /** Who leads: asked at every render (Camel's leader election view, no request). */
    public void leadership(java.util.function.Supplier<Leadership> leadership) {
        this.leadership = leadership;
    }

    /** The board (or, on a follower, the nodes' annotations) as a JSON document. */
    public String render() throws IOException {
        Map<String, Object> out = new LinkedHashMap<>();
        Instant now = Instant.now();
        out.put("generatedAt", now.toString());
        out.put("version", io.drainpilot.config.BuildVersion.current());
        Leadership who = leadership.get();
        out.put("role", who.role().wire());
        out.put("leader", who.leader());
        out.put("dryRun", dryRun);
        out.put("namespace", namespace);
        List<io.fabric8.kubernetes.api.model.Node> cached = nodes.get();
        if (who.role() == Role.FOLLOWER) {
            // a follower evaluates nothing: its board is empty, the leader's annotations are not
            out.put("nodesFrom", "annotations");
            out.put("nodes", AnnotatedNodes.cards(cached, signals, now).stream().map(c -> {
                Map<String, Object> n = node(c, now);
                // a follower sees no migrations of its own: of the live fields only the leader's estimate, as written
                List.of("inFlight", "queued", "holds", "etaBasis").forEach(n::remove);
                n.put("etaSeconds", etaFromSummary(c.summary(), now));
                n.put("source", "annotations");
                return n;
            }).toList());
        } else {
            out.put("nodesFrom", "board");
            out.put("nodes", board.cards().stream().map(c -> node(c, progress, now)).toList());
        }
        List<DrainHistory.Entry> remembered = board.history().entries();
        // enough of the nodes' newest that the list is full even where what this replica remembers shadows them
        // an ended drain whose report this replica wrote names the report's ConfigMap
        Map<String, String> reportOf = new java.util.HashMap<>();
        board.reports().forEach(r -> reportOf.putIfAbsent(r.node() + "/" + r.drainId(), r.configMap()));
        out.put("history", DrainHistory.merge(remembered,
                        DrainHistory.fromNodes(cached, summaries, DrainHistory.LIMIT + remembered.size())).stream()
                .map(e -> {
                    Map<String, Object> h = history(e);
                    String report = reportOf.get(e.node() + "/" + e.drainId());
                    if (report != null) {
                        h.put("reportConfigMap", report);
                    }
                    return h;
                }).toList());
        StatusBoard.HarvesterCard h = board.harvester();
        Map<String, Object> harvester = new LinkedHashMap<>();
        harvester.put("mode", h.mode());
        harvester.put("why", h.why());
        harvester.put("upgrade", h.upgrade());
        harvester.put("nodeStates", new TreeMap<>(h.nodeStates()));
        out.put("harvester", harvester);
        out.put("reports", board.reports().stream().map(r -> {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("node", r.node());
            m.put("drainId", r.drainId());
            m.put("configMap", r.configMap());
            m.put("endedAt", r.endedAt());
            m.put("outcome", r.outcome());
            return m;
        }).toList());
        return JSON.writeValueAsString(out);
    }

    /** The self-contained HTML page (no external assets). */
    public String page() {
        return page;
    }

    static Map<String, Object> history(DrainHistory.Entry e) {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("node", e.node());
        h.put("drainId", e.drainId());
        h.put("outcome", e.outcome().wire());
        h.put("lastState", e.lastState());
        h.put("startedAt", e.startedAt());
        h.put("endedAt", e.endedAt());
        h.put("counts", e.summary());
        h.put("source", e.source());
        return h;
    }

    /** The time left a summary states ({@code etaSeconds} from its {@code updatedAt}), as of now; null without one. */
    static Long etaFromSummary(EvacuationSummary s, Instant now) {
        if (s == null || s.etaSeconds() == null) {
            return null;
        }
        try {
            return Math.max(0, java.time.Duration.between(now, Instant.parse(s.updatedAt()).plusSeconds(s.etaSeconds()))
                    .toSeconds());
        } catch (RuntimeException e) {
            return null;
        }
    }

    static Map<String, Object> node(StatusBoard.NodeCard c) {
        return node(c, new io.drainpilot.work.ProgressBoard(), Instant.now());
    }

    static Map<String, Object> node(StatusBoard.NodeCard c, io.drainpilot.work.ProgressBoard running) {
        return node(c, running, Instant.now());
    }

    static Map<String, Object> node(StatusBoard.NodeCard c, Instant now) {
        return node(c, new io.drainpilot.work.ProgressBoard(), now);
    }

    /**
     * One node: besides its counts, {@code inFlight} (migrations under way), {@code queued} (VMs waiting for a slot),
     * {@code holds} (what holds the release, in words) and {@code etaSeconds} (null without an estimate); per VM
     * {@code attempt}, and while it has a migration {@code phase}, {@code target}, {@code elapsedSeconds} (since the
     * migration was created) and {@code deadlineSeconds} (after its creation, when DrainPilot cancels it; null for
     * someone else's migration).
     */
    static Map<String, Object> node(StatusBoard.NodeCard c, io.drainpilot.work.ProgressBoard running, Instant now) {
        Map<String, Object> n = new LinkedHashMap<>();
        n.put("node", c.node());
        n.put("state", c.state());
        n.put("signals", c.signals());
        Map<String, Long> counts = new TreeMap<>();
        c.vms().forEach(v -> counts.merge(v.state(), 1L, Long::sum));
        n.put("counts", counts);
        EvacuationSummary s = c.summary();
        Map<String, Object> progress = new LinkedHashMap<>();
        if (s != null && s.total() > 0) {
            progress.put("done", s.migrated() + s.fellBack());
            progress.put("total", s.total());
            progress.put("from", "summary");
        } else {
            progress.put("done", c.count(SETTLED));
            progress.put("total", c.vms().size());
            progress.put("from", "board");
        }
        n.put("progress", progress);
        n.put("summary", s);
        n.put("seenAt", c.seenAt().toString());
        n.put("inFlight", c.vms().stream().filter(v -> MicrometerDrainMetrics.IN_FLIGHT.contains(v.state())).count());
        n.put("queued", c.count(io.drainpilot.work.VmState.QUEUED.wire()));
        n.put("holds", c.holds());
        n.put("etaSeconds", c.etaSeconds(now));
        n.put("etaBasis", c.etaBasis());
        List<Map<String, Object>> vms = c.vms().stream().map(v -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("namespace", v.namespace());
            m.put("name", v.name());
            m.put("state", v.state());
            m.put("detail", v.detail());
            m.put("attempt", v.attempt());
            StatusBoard.MigrationLine ml = v.migration();
            if (ml != null) {
                m.put("migration", ml.name());
                m.put("phase", ml.phase());
                m.put("target", ml.target());
                m.put("elapsedSeconds", Math.max(0, java.time.Duration.between(ml.created(), now).toSeconds()));
                m.put("deadlineSeconds", ml.deadline() == null ? null
                        : java.time.Duration.between(ml.created(), ml.deadline()).toSeconds());
            }
            // only while a migration of it runs and Prometheus reports it
            running.of(v.namespace(), v.name()).ifPresent(p -> {
                if (p.processed() != null) {
                    m.put("bytesProcessed", p.processed().longValue());
                }
                if (p.remaining() != null) {
                    m.put("bytesRemaining", p.remaining().longValue());
                }
                if (p.percent() != null) {
                    m.put("progressPercent", p.percent());
                }
            });
            return m;
        }).toList();
        n.put("vms", vms);
        return n;
    }
}
