package io.drainpilot.sim;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What happened in a simulated Harvester upgrade, for assertions and the demo: the VMs Harvester's jobs (or
 * Rancher's drain) stopped and why, the VMs they started again, each VM's downtime, and when each node reached each
 * step. Thread-safe; every getter returns a copy.
 */
public final class HarvesterRecord {

    /** A VM stopped through its {@code stop} subresource (or, for a drain eviction, its VMI deleted). */
    public record StoppedVm(String namespace, String name, String node, StopReason reason, Instant time) {
        public String key() {
            return namespace + "/" + name;
        }
    }

    /** Who started a VM again. */
    public enum Starter {
        /** the post-drain job's {@code wait_repo}: {@code virtctl start} on the upgrade-repo VM */
        POST_DRAIN_JOB,
        /** the restore-vm job: the VMs the detector listed for the node, once the node is upgraded */
        RESTORE_VM_JOB
    }

    /** A {@code start} subresource call that KubeVirt accepted. */
    public record RestartedVm(String namespace, String name, String node, Starter by, Instant time) {
        public String key() {
            return namespace + "/" + name;
        }
    }

    /**
     * A span in which a VM that ran had no running VMI. {@code until} is null while it is still down; {@code cause}
     * is the recorded stop that began it, null when something else stopped it.
     */
    public record Downtime(String namespace, String name, Instant from, Instant until, StopReason cause) {
        public String key() {
            return namespace + "/" + name;
        }

        public Optional<Duration> duration() {
            return until == null ? Optional.empty() : Optional.of(Duration.between(from, until));
        }
    }

    private final List<StoppedVm> stops = new ArrayList<>();
    private final List<RestartedVm> restarts = new ArrayList<>();
    private final List<Downtime> downtimes = new ArrayList<>();
    private final Map<String, Map<UpgradeStep, Instant>> steps = new LinkedHashMap<>();
    private final List<String> rancherOrder = new ArrayList<>();

    synchronized void stopped(StoppedVm stop) {
        stops.add(stop);
    }

    synchronized void restarted(RestartedVm restart) {
        restarts.add(restart);
    }

    synchronized void downtimeBegan(Downtime downtime) {
        downtimes.add(downtime);
    }

    /** Closes the VM's open downtime, if any. */
    synchronized void downtimeEnded(String namespace, String name, Instant until) {
        for (int i = downtimes.size() - 1; i >= 0; i--) {
            Downtime d = downtimes.get(i);
            if (d.namespace().equals(namespace) && d.name().equals(name) && d.until() == null) {
                downtimes.set(i, new Downtime(namespace, name, d.from(), until, d.cause()));
                return;
            }
        }
    }

    /** The first time a node reached a step is kept. */
    synchronized void step(String node, UpgradeStep step, Instant time) {
        steps.computeIfAbsent(node, n -> new EnumMap<>(UpgradeStep.class)).putIfAbsent(step, time);
    }

    synchronized void rancherOrder(List<String> nodes) {
        rancherOrder.clear();
        rancherOrder.addAll(nodes);
    }

    public synchronized List<StoppedVm> stops() {
        return List.copyOf(stops);
    }

    public synchronized List<RestartedVm> restarts() {
        return List.copyOf(restarts);
    }

    public synchronized List<Downtime> downtimes() {
        return List.copyOf(downtimes);
    }

    /** Node -> step -> when; nodes in the order they first reached a step. */
    public synchronized Map<String, Map<UpgradeStep, Instant>> nodeSteps() {
        Map<String, Map<UpgradeStep, Instant>> copy = new LinkedHashMap<>();
        steps.forEach((node, s) -> copy.put(node, new EnumMap<>(s)));
        return copy;
    }

    public synchronized Optional<Instant> stepTime(String node, UpgradeStep step) {
        return Optional.ofNullable(steps.getOrDefault(node, Map.of()).get(step));
    }

    /** The nodes in the order Rancher upgrades them. */
    public synchronized List<String> rancherOrder() {
        return List.copyOf(rancherOrder);
    }

    /** Stopped VMs ({@code ns/name}) with the reasons they were stopped for, in stop order; a VM stopped twice is listed once per reason. */
    public synchronized Map<String, List<StopReason>> stoppedVms() {
        return stops.stream().collect(Collectors.groupingBy(StoppedVm::key, LinkedHashMap::new,
                Collectors.mapping(StoppedVm::reason, Collectors.collectingAndThen(Collectors.toList(),
                        l -> l.stream().distinct().toList()))));
    }

    /** E.g. {@code 2 VMs stopped: harvester-system/upgrade-repo-x (CD-ROM or container disk), default/db (node selectors)}. */
    public synchronized String describeStops() {
        Map<String, List<StopReason>> byVm = stoppedVms();
        if (byVm.isEmpty()) {
            return "no VM stopped";
        }
        return byVm.size() + (byVm.size() == 1 ? " VM" : " VMs") + " stopped: " + byVm.entrySet().stream()
                .map(e -> e.getKey() + " (" + e.getValue().stream().map(StopReason::text)
                        .collect(Collectors.joining(", ")) + ")")
                .collect(Collectors.joining(", "));
    }
}
