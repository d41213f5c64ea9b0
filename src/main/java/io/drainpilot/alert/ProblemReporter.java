package io.drainpilot.alert;

import io.drainpilot.kubevirt.ClusterApi;
import io.fabric8.kubernetes.api.model.HasMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Bad cluster data (a malformed label, a Secret without its machine label...) is reported once per object and
 * problem: one log line and one Warning Event on the object. Scans repeat every few seconds; the report does not.
 */
public class ProblemReporter {
    private static final Logger LOG = LoggerFactory.getLogger(ProblemReporter.class);
    private static final int MAX_REMEMBERED = 10_000;

    private final ClusterApi api;
    private final boolean events;
    private final Set<String> reported = ConcurrentHashMap.newKeySet();

    public ProblemReporter(ClusterApi api, boolean events) {
        this.api = api;
        this.events = events;
    }

    public void report(HasMetadata about, String problem) {
        String key = about.getKind() + "/" + about.getMetadata().getNamespace() + "/" + about.getMetadata().getName()
                + ":" + problem;
        if (reported.size() > MAX_REMEMBERED) {
            reported.clear();
        }
        if (!reported.add(key)) {
            return;
        }
        LOG.warn("{} {}: {}", about.getKind(), name(about), problem);
        if (events) {
            try {
                api.event(about, "Warning", "DrainPilotInputProblem", problem);
            } catch (RuntimeException e) {
                LOG.warn("could not record an Event on {} {}: {}", about.getKind(), name(about), e.getMessage());
            }
        }
    }

    private static String name(HasMetadata o) {
        return o.getMetadata().getNamespace() == null ? o.getMetadata().getName()
                : o.getMetadata().getNamespace() + "/" + o.getMetadata().getName();
    }
}
