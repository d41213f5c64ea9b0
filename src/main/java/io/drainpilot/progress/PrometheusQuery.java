package io.drainpilot.progress;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * Instant queries against a Prometheus HTTP API ({@code /api/v1/query}). TLS is verified by the JDK's default trust
 * store; the bearer token, when there is one, goes only into the Authorization header. Errors never quote the URL
 * or the token.
 */
public class PrometheusQuery {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String base;
    private final String token;
    private final Duration timeout;
    private final HttpClient http;

    public PrometheusQuery(String baseUrl, String token, Duration timeout) {
        this.base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.token = token == null || token.isBlank() ? null : token.trim();
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    /** Thrown for any failed query; the message is safe to log. */
    public static class QueryFailed extends IOException {
        public QueryFailed(String message) {
            super(message);
        }
    }

    /**
     * The instant vector of {@code promql}, one value per {@code namespace/name} label pair (the labels virt-handler
     * puts on its VMI metrics); samples without them, or not a number, are skipped.
     */
    public Map<String, Double> byVmi(String promql) throws QueryFailed {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + "/api/v1/query?query="
                        + URLEncoder.encode(promql, StandardCharsets.UTF_8)))
                .timeout(timeout).header("Accept", "application/json").GET();
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new QueryFailed("no answer: " + e.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new QueryFailed("interrupted");
        } catch (IllegalArgumentException e) {
            throw new QueryFailed("not a usable URL");
        }
        if (response.statusCode() != 200) {
            throw new QueryFailed("HTTP " + response.statusCode());
        }
        JsonNode root;
        try {
            root = JSON.readTree(response.body());
        } catch (IOException e) {
            throw new QueryFailed("the answer is not JSON");
        }
        if (!"success".equals(root.path("status").asText()) || !"vector".equals(root.path("data").path("resultType").asText())) {
            throw new QueryFailed("the answer is not an instant vector (" + root.path("errorType").asText("no status") + ")");
        }
        Map<String, Double> out = new HashMap<>();
        for (JsonNode sample : root.path("data").path("result")) {
            String ns = sample.path("metric").path("namespace").asText(null);
            String name = sample.path("metric").path("name").asText(null);
            JsonNode value = sample.path("value");
            if (ns == null || name == null || value.size() < 2) {
                continue;
            }
            try {
                out.put(ns + "/" + name, Double.parseDouble(value.get(1).asText()));
            } catch (NumberFormatException e) {
                // "NaN" parses; anything else is not a sample
            }
        }
        return out;
    }
}
