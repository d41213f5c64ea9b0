package io.drainpilot.alert;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.drainpilot.kubevirt.ClusterApi;
import io.drainpilot.kubevirt.VirtualMachine;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.names.Bookkeeping;
import io.drainpilot.names.Names;
import io.drainpilot.view.ClusterView;
import io.drainpilot.work.Alert;
import io.fabric8.kubernetes.api.model.Node;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Alerts for Alertmanager as Prometheus sends them: an alert fires while its condition holds and is sent again every
 * {@code drainpilot.alert.webhook.repeat-interval} with {@code endsAt} a few intervals ahead (so Alertmanager resolves
 * it by itself if DrainPilot goes away), and is sent once more with {@code endsAt} now when the condition is over.
 * What holds, read from the cluster at each re-send:
 * <ul>
 * <li>{@code block}: while the node is {@code Blocked};</li>
 * <li>{@code retry}: while the VM still runs on the node and the node is still being evacuated (a retry that then
 * succeeded is over);</li>
 * <li>{@code shutdown-restart}, {@code restart-failed}: while the VM carries DrainPilot's {@code drainpilot.io/stopped}
 * label (running again, or a person took it over);</li>
 * <li>every other outcome (release, restarted, restart-skipped, a stage error...) is an event, not a condition: it
 * fires once and is sent resolved at the next re-send.</li>
 * </ul>
 * A newer alert about the same VM ends the older ones (a retry followed by block, a stop followed by the restart).
 * Memory only: after a restart or a leader change, Alertmanager resolves the old process's alerts at their
 * {@code endsAt}; the conditions that still hold raise new alerts with the next outcome.
 */
public class AlertmanagerFeed {
    private static final Logger LOG = LoggerFactory.getLogger(AlertmanagerFeed.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** endsAt of a firing alert, in re-send intervals: missing two re-sends in a row is not yet "resolved". */
    static final int ENDS_AFTER_INTERVALS = 3;

    /** What an outcome's alert is, as far as its end goes. */
    enum Lifetime {
        NODE_BLOCKED, VM_NOT_MOVED, VM_STOPPED, EVENT;

        static Lifetime of(String action) {
            return switch (action == null ? "" : action) {
                case "block" -> NODE_BLOCKED;
                case "retry" -> VM_NOT_MOVED;
                case "shutdown-restart", "restart-failed" -> VM_STOPPED;
                default -> EVENT;
            };
        }
    }

    private record Active(Alert alert, Lifetime lifetime, Instant startsAt) {
        String key() {
            return WebhookPayload.alertmanagerLabels(alert).toString();
        }
    }

    private final ClusterView view;
    private final ClusterApi api;
    private final Clock clock;
    private final Duration interval;
    private final String generatorUrl;
    private final Map<String, Active> active = new LinkedHashMap<>();

    public AlertmanagerFeed(ClusterView view, ClusterApi api, Clock clock, Duration interval, String generatorUrl) {
        this.view = view;
        this.api = api;
        this.clock = clock;
        this.interval = interval;
        this.generatorUrl = generatorUrl;
    }

    /** A new alert: the POST body that fires it, and resolves older alerts about the same VM. */
    public synchronized String fire(Alert alert) throws JsonProcessingException {
        Instant now = now();
        List<Map<String, Object>> body = new ArrayList<>();
        if (alert.vm() != null) {
            active.values().removeIf(a -> {
                boolean sameVm = alert.vm().equals(a.alert().vm()) && alert.namespace().equals(a.alert().namespace());
                if (sameVm) {
                    body.add(entry(a.alert(), a.startsAt(), now));
                }
                return sameVm;
            });
        }
        Active a = new Active(alert, Lifetime.of(alert.action()), startsAt(alert, now));
        active.put(a.key(), a);
        body.add(entry(alert, a.startsAt(), firingUntil(now)));
        return JSON.writeValueAsString(body);
    }

    /**
     * The re-send: every active alert, firing again while its condition holds, resolved (and forgotten) when it is
     * over; null when there is nothing to send. A condition that cannot be read this time is taken to hold.
     */
    public synchronized String resend() throws JsonProcessingException {
        if (active.isEmpty()) {
            return null;
        }
        Instant now = now();
        List<Map<String, Object>> body = new ArrayList<>();
        for (var it = active.values().iterator(); it.hasNext(); ) {
            Active a = it.next();
            boolean holds;
            try {
                holds = holds(a);
            } catch (RuntimeException e) {
                LOG.debug("alert condition of {} not readable now: {}", a.alert().summary(), e.toString());
                holds = true;
            }
            if (holds) {
                body.add(entry(a.alert(), a.startsAt(), firingUntil(now)));
            } else {
                body.add(entry(a.alert(), a.startsAt(), now));
                it.remove();
            }
        }
        return JSON.writeValueAsString(body);
    }

    /** How many alerts are firing (for tests and the log). */
    public synchronized int activeCount() {
        return active.size();
    }

    private boolean holds(Active a) {
        Alert alert = a.alert();
        return switch (a.lifetime()) {
            case NODE_BLOCKED -> Names.BLOCKED.equals(evacuation(alert.node()));
            case VM_NOT_MOVED -> {
                String state = evacuation(alert.node());
                boolean evacuating = Names.IN_PROGRESS.equals(state) || Names.BLOCKED.equals(state);
                Optional<VirtualMachineInstance> vmi = view.vmi(alert.namespace(), alert.vm())
                        .or(() -> api.vmi(alert.namespace(), alert.vm()));
                yield evacuating && vmi.isPresent() && vmi.get().getStatus() != null
                        && alert.node().equals(vmi.get().getStatus().nodeName);
            }
            case VM_STOPPED -> {
                Optional<VirtualMachine> vm = view.labelledVm(alert.namespace(), alert.vm());
                yield vm.isPresent() && vm.get().getMetadata().getLabels() != null
                        && "true".equals(vm.get().getMetadata().getLabels().get(Bookkeeping.STOPPED));
            }
            case EVENT -> false;
        };
    }

    private String evacuation(String node) {
        if (node == null) {
            return null;
        }
        Optional<Node> n = view.node(node);
        return n.map(x -> x.getMetadata().getAnnotations() == null ? null
                : x.getMetadata().getAnnotations().get(Names.EVACUATION)).orElse(null);
    }

    private Map<String, Object> entry(Alert alert, Instant startsAt, Instant endsAt) {
        Map<String, Object> am = WebhookPayload.alertmanagerEntry(alert);
        am.put("startsAt", startsAt.toString());
        am.put("endsAt", endsAt.toString());
        if (!generatorUrl.isEmpty()) {
            am.put("generatorURL", generatorUrl);
        }
        return am;
    }

    private Instant firingUntil(Instant now) {
        return now.plus(interval.multipliedBy(ENDS_AFTER_INTERVALS));
    }

    private static Instant startsAt(Alert alert, Instant fallback) {
        try {
            return Instant.parse(alert.at());
        } catch (RuntimeException e) {
            return fallback;
        }
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }
}
