package io.drainpilot.alert;

import io.drainpilot.work.Alert;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The webhook body: the alert as plain JSON, or as an Alertmanager v2 {@code POST /api/v2/alerts} array (through the
 * {@link AlertmanagerFeed}, which also re-sends and resolves it).
 */
public class WebhookPayload {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String format;
    private final AlertmanagerFeed feed;

    public WebhookPayload(String format, AlertmanagerFeed feed) {
        this.format = format;
        this.feed = feed;
    }

    public WebhookPayload(String format) {
        this(format, null);
    }

    public String render(Alert alert) throws JsonProcessingException {
        if ("alertmanager".equals(format)) {
            if (feed != null) {
                return feed.fire(alert);
            }
            Map<String, Object> am = alertmanagerEntry(alert);
            am.put("startsAt", alert.at());
            return JSON.writeValueAsString(List.of(am));
        }
        return JSON.writeValueAsString(alert);
    }

    /** The labels that identify the alert in Alertmanager: the same labels are the same alert. */
    static Map<String, String> alertmanagerLabels(Alert alert) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("alertname", "DrainPilot" + alert.reason());
        labels.put("severity", alert.severity());
        if (alert.node() != null) {
            labels.put("node", alert.node());
        }
        if (alert.vm() != null) {
            labels.put("namespace", alert.namespace());
            labels.put("vm", alert.vm());
        }
        labels.put("action", alert.action());
        return labels;
    }

    /** Labels and annotations of one Alertmanager alert; the caller adds startsAt, endsAt, generatorURL. */
    static Map<String, Object> alertmanagerEntry(Alert alert) {
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put("summary", alert.summary());
        annotations.put("description", alert.detail() == null ? "" : alert.detail());
        annotations.put("attempts", String.valueOf(alert.attempts()));
        Map<String, Object> am = new LinkedHashMap<>();
        am.put("labels", alertmanagerLabels(alert));
        am.put("annotations", annotations);
        return am;
    }
}
