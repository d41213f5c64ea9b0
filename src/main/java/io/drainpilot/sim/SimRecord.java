package io.drainpilot.sim;

import io.drainpilot.kubevirt.MigrationPhase;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What happened in the simulated cluster, for assertions and benchmarks. Thread-safe; every getter returns a copy.
 */
public final class SimRecord {

    /** A VMIM the API server accepted; {@code addedNodeSelector} as the client sent it, before any pruning. */
    public record CreatedMigration(String namespace, String name, String vmiName, Map<String, String> labels,
                                   Map<String, String> addedNodeSelector, Instant time) {
    }

    public record PhaseTransition(String namespace, String migration, String vmiName, MigrationPhase phase,
                                  Instant time) {
    }

    /** A VMIM the admission webhook denied. */
    public record Refusal(String namespace, String vmiName, String message, Instant time) {
    }

    public enum Result { SUCCEEDED, FAILED, CANCELLED }

    /** The end of a migration; {@code target} is null when no node was ever chosen. */
    public record MigrationOutcome(String namespace, String migration, String vmiName, String source, String target,
                                   Result result, Duration duration, String failureReason) {
    }

    private final List<CreatedMigration> created = new ArrayList<>();
    private final List<PhaseTransition> transitions = new ArrayList<>();
    private final List<Refusal> refusals = new ArrayList<>();
    private final List<MigrationOutcome> outcomes = new ArrayList<>();
    private final Map<String, Long> requests = new TreeMap<>();
    private final Map<String, Integer> maxOutbound = new TreeMap<>();
    private final Map<String, Integer> maxInbound = new TreeMap<>();
    private int maxInFlight;
    private long serverNanos;

    synchronized void migrationCreated(CreatedMigration migration) {
        created.add(migration);
    }

    synchronized void phaseTransition(PhaseTransition transition) {
        transitions.add(transition);
    }

    synchronized void refused(Refusal refusal) {
        refusals.add(refusal);
    }

    synchronized void outcome(MigrationOutcome outcome) {
        outcomes.add(outcome);
    }

    synchronized void request(String methodAndKind) {
        requests.merge(methodAndKind, 1L, Long::sum);
    }

    /** Raises the high-water marks to the counts of migrations in flight right now. */
    synchronized void inFlight(int cluster, Map<String, Integer> outboundBySource, Map<String, Integer> inboundByTarget) {
        maxInFlight = Math.max(maxInFlight, cluster);
        outboundBySource.forEach((node, n) -> maxOutbound.merge(node, n, Math::max));
        inboundByTarget.forEach((node, n) -> maxInbound.merge(node, n, Math::max));
    }

    public synchronized List<CreatedMigration> migrationsCreated() {
        return List.copyOf(created);
    }

    public synchronized List<PhaseTransition> phaseTransitions() {
        return List.copyOf(transitions);
    }

    /** The phases one migration went through, in order. */
    public synchronized List<MigrationPhase> phasesOf(String namespace, String migration) {
        return transitions.stream()
                .filter(t -> t.namespace().equals(namespace) && t.migration().equals(migration))
                .map(PhaseTransition::phase).toList();
    }

    public synchronized List<Refusal> refusals() {
        return List.copyOf(refusals);
    }

    public synchronized List<MigrationOutcome> outcomes() {
        return List.copyOf(outcomes);
    }

    synchronized void served(long nanos) {
        serverNanos += nanos;
    }

    /** Time the simulated API server spent answering the counted requests (it runs in the same process). */
    public synchronized long serverNanos() {
        return serverNanos;
    }

    /** Requests per "METHOD kind", e.g. {@code GET nodes}, {@code POST virtualmachineinstancemigrations}. */
    public synchronized Map<String, Long> requestCounts() {
        return new TreeMap<>(requests);
    }

    public synchronized long totalRequests() {
        return requests.values().stream().mapToLong(Long::longValue).sum();
    }

    public synchronized int maxInFlightInCluster() {
        return maxInFlight;
    }

    public synchronized Map<String, Integer> maxOutboundPerNode() {
        return new TreeMap<>(maxOutbound);
    }

    public synchronized Map<String, Integer> maxInboundPerNode() {
        return new TreeMap<>(maxInbound);
    }
}
