package io.drainpilot.alert;

import io.drainpilot.work.Alert;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The webhook body: the alert as plain JSON, or as an Alertmanager v2 {@code POST /api/v2/alerts} array.
 */
public class WebhookPayload {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String format;

    public WebhookPayload(String format) {
        this.format = format;
    }

    public String render(Alert alert) throws JsonProcessingException {
        if ("alertmanager".equals(format)) {
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
            Map<String, String> annotations = new LinkedHashMap<>();
            annotations.put("summary", alert.summary());
            annotations.put("description", alert.detail() == null ? "" : alert.detail());
            annotations.put("attempts", String.valueOf(alert.attempts()));
            Map<String, Object> am = new LinkedHashMap<>();
            am.put("labels", labels);
            am.put("annotations", annotations);
            am.put("startsAt", alert.at());
            return JSON.writeValueAsString(List.of(am));
        }
        return JSON.writeValueAsString(alert);
    }
}
