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
 * {@code GET /drainpilot/} that shows it.
 */
public class StatusJson {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** VM states that mean DrainPilot is done with the VM (its fallback applied). */
    private static final String SETTLED = "Settled";

    private final StatusBoard board;
    private final String page;

    public StatusJson(StatusBoard board) {
        this.board = board;
        try (InputStream in = StatusJson.class.getResourceAsStream("/drainpilot/status.html")) {
            if (in == null) {
                throw new IllegalStateException("drainpilot/status.html missing from the classpath");
            }
            page = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The board as a JSON document. */
    public String render() throws IOException {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("generatedAt", Instant.now().toString());
        out.put("version", io.drainpilot.config.BuildVersion.current());
        out.put("nodes", board.cards().stream().map(StatusJson::node).toList());
        StatusBoard.HarvesterCard h = board.harvester();
        Map<String, Object> harvester = new LinkedHashMap<>();
        harvester.put("mode", h.mode());
        harvester.put("why", h.why());
        harvester.put("upgrade", h.upgrade());
        harvester.put("nodeStates", new TreeMap<>(h.nodeStates()));
        out.put("harvester", harvester);
        return JSON.writeValueAsString(out);
    }

    /** The self-contained HTML page (no external assets). */
    public String page() {
        return page;
    }

    static Map<String, Object> node(StatusBoard.NodeCard c) {
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
        List<Map<String, String>> vms = c.vms().stream().map(v -> {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("namespace", v.namespace());
            m.put("name", v.name());
            m.put("state", v.state());
            m.put("detail", v.detail());
            return m;
        }).toList();
        n.put("vms", vms);
        return n;
    }
}
