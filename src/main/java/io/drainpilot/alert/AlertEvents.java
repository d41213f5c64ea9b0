package io.drainpilot.alert;

import io.drainpilot.kubevirt.ClusterApi;
import io.drainpilot.view.ClusterView;
import io.drainpilot.work.Alert;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes each alert as a Kubernetes Event on the VMI and on the Node, the record that outlives any webhook. */
public class AlertEvents {
    private static final Logger LOG = LoggerFactory.getLogger(AlertEvents.class);

    private final ClusterView view;
    private final ClusterApi api;
    private final boolean enabled;

    private final io.drainpilot.observe.DrainMetrics metrics;

    public AlertEvents(ClusterView view, ClusterApi api, boolean enabled, io.drainpilot.observe.DrainMetrics metrics) {
        this.view = view;
        this.api = api;
        this.enabled = enabled;
        this.metrics = metrics;
    }

    /** {@code shutdown-restart} -> {@code DrainPilotShutdownRestart}: Event reasons are CamelCase words. */
    public static String eventReason(String action) {
        StringBuilder sb = new StringBuilder("DrainPilot");
        for (String part : action.split("[^A-Za-z0-9]+")) {
            if (!part.isEmpty()) {
                sb.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
            }
        }
        return sb.toString();
    }

    public void send(Alert alert) {
        if (!enabled) {
            return;
        }
        String type = Alert.INFO.equals(alert.severity()) ? "Normal" : "Warning";
        String reason = eventReason(alert.action());
        try {
            if (alert.vm() != null) {
                view.vmi(alert.namespace(), alert.vm()).or(() -> api.vmi(alert.namespace(), alert.vm()))
                        .ifPresentOrElse(v -> api.event(v, type, reason, alert.summary()),
                        () -> api.vm(alert.namespace(), alert.vm()).ifPresent(v -> api.event(v, type, reason, alert.summary())));
            }
            if (alert.node() != null) {
                view.node(alert.node()).ifPresentOrElse(n -> api.event(n, type, reason, alert.summary()), () -> {
                    if (Alert.NODE_GONE.equals(alert.action())) {
                        // the Node is deleted: the Event names it, as Kubernetes' node controller does for its own
                        api.event(new NodeBuilder().withNewMetadata().withName(alert.node()).endMetadata().build(),
                                type, reason, alert.summary());
                    }
                });
            }
            metrics.alertDelivered("events", true);
        } catch (RuntimeException e) {
            metrics.alertDelivered("events", false);
            // an Event is a record, not a duty: never let it hold up the drain
            LOG.warn("could not record alert as an Event: {}", e.getMessage());
        }
    }
}
