package io.drainpilot.recover;

import io.drainpilot.config.Durations;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Starts again the VMs the shutdown-restart fallback stopped, once their node's drain is released or over, the way
 * KubeVirt needs it (DOMAIN.md section 9):
 * <ol>
 * <li>wait until the stopped VMI is gone: with RerunOnFailure, a runStrategy put back while the old VMI still shuts
 *     down is taken by KubeVirt as a clean stop, and the VM is never started;</li>
 * <li>put the runStrategy back (Halted becomes Always); for Manual and RerunOnFailure also call the {@code start}
 *     subresource, which is what starts them;</li>
 * <li>done once a new VMI is Running; if that has not happened {@code drainpilot.restart.timeout} after the release,
 *     one critical alert, and DrainPilot keeps following the VM until it runs.</li>
 * </ol>
 * Someone who changed the runStrategy before DrainPilot put it back has taken the VM over: left as it is, and said.
 * One VM's failure never holds up the others: each is tried again at the next pass.
 */
public class Restarter {
    private static final Logger LOG = LoggerFactory.getLogger(Restarter.class);

    private final ClusterView view;
    private final ClusterApi api;
    private final Duration timeout;
    private final Clock clock;

    public Restarter(ClusterView view, ClusterApi api, Duration timeout, Clock clock) {
        this.view = view;
        this.api = api;
        this.timeout = timeout;
        this.clock = clock;
    }

    /** The alerts of this pass: VMs running again, left to a person, or late. */
    public List<Alert> restartReleased() {
        List<Alert> alerts = new ArrayList<>();
        for (VirtualMachine vm : view.vmsLabelled(Bookkeeping.STOPPED)) {
            if (!"true".equals(vm.getMetadata().getLabels().get(Bookkeeping.STOPPED))) {
                continue;
            }
            try {
                step(vm).ifPresent(alerts::add);
            } catch (RuntimeException e) {
                LOG.warn("{}/{}: restart not handled in this pass, tried again in the next: {}",
                        vm.getMetadata().getNamespace(), vm.getMetadata().getName(), e.toString());
            }
        }
        return alerts;
    }

    private Optional<Alert> step(VirtualMachine vm) {
        Map<String, String> ann = vm.getMetadata().getAnnotations() == null ? Map.of() : vm.getMetadata().getAnnotations();
        String node = ann.get(Bookkeeping.STOPPED_FOR_NODE);
        if (!released(node)) {
            return Optional.empty();
        }
        String ns = vm.getMetadata().getNamespace();
        String name = vm.getMetadata().getName();
        Instant now = clock.instant();
        String restored = ann.get(Bookkeeping.RESTART_REQUESTED);
        if (restored == null) {
            if (!VirtualMachine.HALTED.equals(vm.runStrategy())) {
                api.updateVm(ns, name, null, unlabel(), clearAll());
                return Optional.of(Alert.of(Alert.WARNING, node, ns, name, "RestartSkipped", "runStrategy was changed to "
                        + vm.runStrategy() + " after DrainPilot stopped it; left as it is", 0, "restart-skipped"));
            }
            Optional<VirtualMachineInstance> old = api.vmi(ns, name);
            if (old.isPresent()) {
                return late(vm, ann, now, "its stopped VMI is still shutting down (" + describe(old.get()) + ")");
            }
            String original = ann.getOrDefault(Bookkeeping.STOPPED_RUN_STRATEGY, VirtualMachine.ALWAYS);
            String restore = VirtualMachine.HALTED.equals(original) ? VirtualMachine.ALWAYS : original;
            Map<String, String> mark = new HashMap<>();
            mark.put(Bookkeeping.RESTART_REQUESTED, restore);
            mark.put(Bookkeeping.RESTART_DUE_BY, ann.getOrDefault(Bookkeeping.RESTART_DUE_BY, dueBy(now)));
            api.updateVm(ns, name, restore, Map.of(), mark);
            boolean asked = needsStartRequest(restore) && api.startVm(ns, name);
            LOG.info("Node {}: drain released and the stopped VMI gone; starting {}/{} again (runStrategy {}{})", node, ns,
                    name, restore, asked ? ", start requested" : "");
            return Optional.empty();
        }
        Optional<VirtualMachineInstance> current = api.vmi(ns, name);
        if (current.isPresent() && running(current.get())) {
            api.updateVm(ns, name, null, unlabel(), clearAll());
            String on = current.get().nodeName().orElse("?");
            LOG.info("Node {}: {}/{} runs again on {}", node, ns, name, on);
            return Optional.of(Alert.of(Alert.INFO, node, ns, name, "Restarted", "stopped for the drain of " + node
                    + ", running again on " + on, 0, "restarted"));
        }
        if (current.isEmpty() && needsStartRequest(restored) && !pendingRequests(vm)) {
            // the start request did not take (a lost answer, a refused concurrent write): ask again
            api.startVm(ns, name);
        }
        return late(vm, ann, now, current.map(v -> "its new VMI is " + describe(v)).orElse("no VMI was started"));
    }

    /** The critical alert, once, when the VM is not running by its due time. */
    private Optional<Alert> late(VirtualMachine vm, Map<String, String> ann, Instant now, String why) {
        String ns = vm.getMetadata().getNamespace();
        String name = vm.getMetadata().getName();
        String due = ann.get(Bookkeeping.RESTART_DUE_BY);
        if (due == null) {
            api.updateVm(ns, name, null, Map.of(), Map.of(Bookkeeping.RESTART_DUE_BY, dueBy(now)));
            return Optional.empty();
        }
        if ("true".equals(ann.get(Bookkeeping.RESTART_OVERDUE)) || now.isBefore(parse(due, now))) {
            return Optional.empty();
        }
        api.updateVm(ns, name, null, Map.of(), Map.of(Bookkeeping.RESTART_OVERDUE, "true"));
        String node = ann.get(Bookkeeping.STOPPED_FOR_NODE);
        LOG.warn("Node {}: {}/{} is not running {} after the drain was released: {}", node, ns, name,
                Durations.format(timeout), why);
        return Optional.of(Alert.of(Alert.CRITICAL, node, ns, name, "RestartFailed", "stopped for the drain of " + node
                + " and not running " + Durations.format(timeout) + " after the release: " + why
                + "; DrainPilot keeps following it", 0, "restart-failed"));
    }

    private boolean released(String node) {
        Optional<Node> n = node == null ? Optional.empty() : view.node(node);
        String state = n.map(x -> x.getMetadata().getAnnotations()).map(a -> a.get(Names.EVACUATION)).orElse(null);
        return n.isEmpty() || state == null || Names.COMPLETED.equals(state) || Names.CANCELLED.equals(state);
    }

    /** Manual starts only on a start request; RerunOnFailure after a clean stop too (unless KubeVirt saw Halted). */
    private static boolean needsStartRequest(String runStrategy) {
        return VirtualMachine.MANUAL.equals(runStrategy) || VirtualMachine.RERUN_ON_FAILURE.equals(runStrategy);
    }

    private static boolean running(VirtualMachineInstance vmi) {
        return "Running".equals(vmi.phase()) && vmi.getMetadata().getDeletionTimestamp() == null;
    }

    private static boolean pendingRequests(VirtualMachine vm) {
        return vm.getStatus() != null && vm.getStatus().stateChangeRequests != null
                && !vm.getStatus().stateChangeRequests.isEmpty();
    }

    private static String describe(VirtualMachineInstance vmi) {
        String phase = vmi.phase().isEmpty() ? "without a phase" : vmi.phase();
        return vmi.getMetadata().getDeletionTimestamp() != null ? phase + ", deleted at "
                + vmi.getMetadata().getDeletionTimestamp() : phase;
    }

    private String dueBy(Instant now) {
        return now.plus(timeout).truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private static Instant parse(String instant, Instant fallback) {
        try {
            return Instant.parse(instant);
        } catch (java.time.format.DateTimeParseException e) {
            return fallback; // unreadable: due now
        }
    }

    private static Map<String, String> unlabel() {
        Map<String, String> m = new HashMap<>();
        m.put(Bookkeeping.STOPPED, null);
        return m;
    }

    private static Map<String, String> clearAll() {
        Map<String, String> m = new HashMap<>();
        for (String k : List.of(Bookkeeping.STOPPED_FOR_NODE, Bookkeeping.STOPPED_RUN_STRATEGY,
                Bookkeeping.RESTART_DUE_BY, Bookkeeping.RESTART_REQUESTED, Bookkeeping.RESTART_OVERDUE)) {
            m.put(k, null);
        }
        return m;
    }
}
