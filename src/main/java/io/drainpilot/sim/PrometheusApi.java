package io.drainpilot.sim;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Prometheus server scraping virt-handler's migration metrics, reduced to its HTTP query API: {@code GET} or
 * {@code POST /api/v1/query} with {@code query=} answers an instant vector in Prometheus' JSON format.
 *
 * <p>The PromQL subset: one metric name with an optional list of label matchers, {@code =}, {@code !=} and
 * {@code =~} (a regular expression matched against the whole value), such as
 * {@code kubevirt_vmi_migration_data_remaining_bytes{namespace="default",name=~"db|web"}}. Anything else (functions,
 * operators, ranges, {@code time=}) answers 400 {@code bad_data}. Each running migration yields one sample per metric
 * with the labels virt-handler gives it ({@code namespace}, {@code name} = the VMI, {@code node} = the source node),
 * using the metric names of the cluster's KubeVirt version: the data total exists from 1.5 (renamed in 1.8), the
 * dirty rate from 1.1, the transfer rate from 1.2 (renamed in 1.7). Samples are the simulator's values at the time of
 * the query (no scrape interval, no staleness); a finished migration has none. For tests it can refuse every query
 * (503) or demand a bearer token (401).
 */
public final class PrometheusApi implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SELECTOR = Pattern.compile("^\\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*(?:\\{(.*)})?\\s*$");
    private static final Pattern MATCHER = Pattern.compile(
            "\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\s*(=~|!=|=)\\s*\"((?:[^\"\\\\]|\\\\.)*)\"\\s*(?:,|$)");

    /** Which value of a running migration a metric reports. */
    enum Measure { PROCESSED, REMAINING, DIRTY_RATE, TOTAL, TRANSFER_RATE }

    private final HttpServer server;
    private final Supplier<List<MigrationSample>> samples;
    private final Map<String, Measure> metrics;
    private volatile boolean down;
    private volatile String requiredToken;

    PrometheusApi(Supplier<List<MigrationSample>> samples, String kubeVirtVersion) {
        this.samples = samples;
        this.metrics = metricNames(kubeVirtVersion);
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException("cannot open the simulated Prometheus port", e);
        }
        server.createContext("/api/v1/query", this::handle);
        server.start();
    }

    /** virt-handler's migration metric names in this KubeVirt version, and what each measures. */
    static Map<String, Measure> metricNames(String version) {
        Map<String, Measure> names = new LinkedHashMap<>();
        names.put("kubevirt_vmi_migration_data_processed_bytes", Measure.PROCESSED);
        names.put("kubevirt_vmi_migration_data_remaining_bytes", Measure.REMAINING);
        if (!KubeVirtVersions.isBefore(version, 1, 1)) {
            names.put("kubevirt_vmi_migration_dirty_memory_rate_bytes", Measure.DIRTY_RATE);
        }
        if (!KubeVirtVersions.isBefore(version, 1, 8)) {
            names.put("kubevirt_vmi_migration_data_bytes_total", Measure.TOTAL);
        } else if (!KubeVirtVersions.isBefore(version, 1, 5)) {
            names.put("kubevirt_vmi_migration_data_total_bytes", Measure.TOTAL);
        }
        if (!KubeVirtVersions.isBefore(version, 1, 7)) {
            names.put("kubevirt_vmi_migration_memory_transfer_rate_bytes", Measure.TRANSFER_RATE);
        } else if (!KubeVirtVersions.isBefore(version, 1, 2)) {
            names.put("kubevirt_vmi_migration_disk_transfer_rate_bytes", Measure.TRANSFER_RATE);
        }
        return names;
    }

    /** The base URL to configure a client with, e.g. {@code http://127.0.0.1:41234}. */
    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** While down, every query answers 503, as a Prometheus that is restarting. */
    public void down(boolean down) {
        this.down = down;
    }

    /** From now on a query needs {@code Authorization: Bearer <token>}; null: none. */
    public void requireToken(String token) {
        this.requiredToken = token;
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (down) {
                send(exchange, 503, error("unavailable", "the simulated Prometheus is down"));
                return;
            }
            String token = requiredToken;
            if (token != null && !("Bearer " + token).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                send(exchange, 401, error("unauthorized", "a bearer token is required"));
                return;
            }
            String params = "POST".equals(exchange.getRequestMethod())
                    ? new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)
                    : exchange.getRequestURI().getRawQuery();
            String query = param(params, "query");
            if (query == null) {
                send(exchange, 400, error("bad_data", "query is missing"));
                return;
            }
            try {
                send(exchange, 200, vector(query));
            } catch (IllegalArgumentException e) {
                send(exchange, 400, error("bad_data", e.getMessage()));
            }
        }
    }

    private Map<String, Object> vector(String query) {
        Matcher m = SELECTOR.matcher(query);
        if (!m.matches()) {
            throw new IllegalArgumentException("only a metric name with label matchers is supported: " + query);
        }
        String name = m.group(1);
        List<String[]> matchers = matchers(m.group(2));
        Measure measure = metrics.get(name);
        List<Map<String, Object>> result = new ArrayList<>();
        double now = System.currentTimeMillis() / 1000.0;
        if (measure != null) {
            for (MigrationSample s : samples.get()) {
                Map<String, String> labels = new LinkedHashMap<>();
                labels.put("__name__", name);
                labels.put("name", s.vmi());
                labels.put("namespace", s.namespace());
                labels.put("node", s.node());
                if (matchers.stream().allMatch(x -> matches(labels.get(x[0]), x[1], x[2]))) {
                    result.add(Map.of("metric", labels, "value", List.of(now, format(value(s, measure)))));
                }
            }
        }
        return Map.of("status", "success", "data", Map.of("resultType", "vector", "result", result));
    }

    private static List<String[]> matchers(String body) {
        List<String[]> out = new ArrayList<>();
        if (body == null || body.isBlank()) {
            return out;
        }
        Matcher m = MATCHER.matcher(body);
        int at = 0;
        while (at < body.length() && m.find(at) && m.start() == at) {
            out.add(new String[]{m.group(1), m.group(2), m.group(3).replace("\\\"", "\"").replace("\\\\", "\\")});
            at = m.end();
        }
        if (at < body.length() && !body.substring(at).isBlank()) {
            throw new IllegalArgumentException("unsupported label matcher near: " + body.substring(at));
        }
        return out;
    }

    private static boolean matches(String value, String op, String expected) {
        String v = value == null ? "" : value;
        return switch (op) {
            case "=" -> v.equals(expected);
            case "!=" -> !v.equals(expected);
            default -> v.matches(expected);
        };
    }

    private static double value(MigrationSample s, Measure measure) {
        return switch (measure) {
            case PROCESSED -> s.processedBytes();
            case REMAINING -> s.remainingBytes();
            case DIRTY_RATE -> s.dirtyRateBytes();
            case TOTAL -> s.totalBytes();
            case TRANSFER_RATE -> s.transferRateBytes();
        };
    }

    private static String format(double value) {
        return value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value) : Double.toString(value);
    }

    private static Map<String, Object> error(String type, String message) {
        return Map.of("status", "error", "errorType", type, "error", message);
    }

    private static String param(String params, String key) {
        if (params == null) {
            return null;
        }
        for (String pair : params.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            if (k.equals(key)) {
                return eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    private static void send(HttpExchange exchange, int status, Map<String, Object> body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
