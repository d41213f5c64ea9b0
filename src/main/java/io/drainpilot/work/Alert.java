package io.drainpilot.work;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * One recovery outcome, told to people: what happened to which VM on which node, and what DrainPilot did.
 *
 * @param severity info, warning or critical
 * @param action   what DrainPilot did, one word: retry, shutdown-restart, block, release, restarted,
 *                 restart-skipped, restart-failed, retry-next-scan, node-gone or none
 */
public record Alert(String severity, String node, String namespace, String vm, String reason, String detail,
        int attempts, String action, String at) {

    public static final String INFO = "info";
    public static final String WARNING = "warning";
    public static final String CRITICAL = "critical";
    /** The action of an alert about a node deleted during its drain (its Event names the deleted Node). */
    public static final String NODE_GONE = "node-gone";

    public static Alert of(String severity, String node, String namespace, String vm, String reason, String detail,
            int attempts, String action) {
        return new Alert(severity, node, namespace, vm, reason, detail, attempts, action,
                Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    }

    /** One line for logs and Events. */
    public String summary() {
        String who = vm == null ? (node == null ? "DrainPilot" : "node " + node) : namespace + "/" + vm + " on " + node;
        return "[" + severity + "] " + who + ": " + reason + (detail == null || detail.isEmpty() ? "" : " (" + detail + ")")
                + (attempts > 0 ? ", " + attempts + " attempt(s)" : "") + " -> " + action;
    }
}
