package io.drainpilot.sim;

import io.drainpilot.kubevirt.KubeVirtNames;
import io.drainpilot.kubevirt.VirtualMachine;
import io.drainpilot.kubevirt.VirtualMachine.StateChangeRequest;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * KubeVirt's VM controller ({@code pkg/virt-controller/watch/vm/vm.go}, {@code syncRunStrategy}) and the part of
 * virt-handler that shuts a guest down.
 * <ul>
 * <li>{@code Always}: starts a VMI whenever none exists; a finished VMI, or one a stop request names, is stopped
 *     (and started again once gone).</li>
 * <li>{@code RerunOnFailure}: a VMI that ended (Succeeded or Failed) or that a stop request names is stopped; only a
 *     Failed one gets a start request. With no VMI it starts one only on a start request or when the runStrategy it
 *     last acted on ({@code status.runStrategy}) differs from the spec: a VM stopped cleanly stays down.</li>
 * <li>{@code Manual}: starts only on a start request, stops only on a stop request.</li>
 * <li>{@code Halted}: stops any VMI; a start request with no VMI turns the runStrategy to {@code Always}.</li>
 * <li>{@code status.runStrategy} follows the spec once a VMI has been created; a start request is dropped once a
 *     VMI runs (not terminating, not finished), a stop request once its VMI is gone.</li>
 * <li>A VMI carries KubeVirt's finalizer ({@link #FINALIZER}), so a delete (the VM controller's stop, or anyone's)
 *     leaves it, with {@code deletionTimestamp} set and still Running, while the guest shuts down ({@link #GUEST_SHUTDOWN_SECONDS}, or the whole
 *     {@code terminationGracePeriodSeconds}, KubeVirt's default 180 s, for a guest that ignores the ACPI request:
 *     the sim-only VM annotation {@link #IGNORES_SHUTDOWN_ANNOTATION}); then it is Succeeded, and gone the tick
 *     after.</li>
 * </ul>
 * Simplifications: no start-failure backoff; {@code Once} is not simulated; the deprecated {@code running} field maps
 * to Always/Halted; the VMI's finalizers and the virt-launcher pod's own termination are folded into the one
 * shutdown delay; every duration is scaled by {@link SimSettings#timeScale()}.
 */
final class VmController {
    private static final Logger LOG = LoggerFactory.getLogger(VmController.class);

    /** virt-controller's finalizer on every VMI. */
    static final String FINALIZER = "kubevirt.io/foregroundDeleteVirtualMachine";
    /** How long a guest that honours the ACPI shutdown takes to power off. */
    static final double GUEST_SHUTDOWN_SECONDS = 10;
    /** KubeVirt's default {@code terminationGracePeriodSeconds}. */
    static final long DEFAULT_GRACE_SECONDS = 180;
    /** Sim-only VM annotation: the guest ignores the shutdown request, so a stop takes the whole grace period. */
    static final String IGNORES_SHUTDOWN_ANNOTATION = "sim.drainpilot.io/guest-ignores-shutdown";

    private final KubernetesClient client;
    private final ClusterWriter writer;
    private final TargetScheduler scheduler;
    private final SimSettings settings;
    private final LauncherPods pods;

    VmController(KubernetesClient client, ClusterWriter writer, TargetScheduler scheduler, SimSettings settings,
                 LauncherPods pods) {
        this.client = client;
        this.writer = writer;
        this.scheduler = scheduler;
        this.settings = settings;
        this.pods = pods;
    }

    void reconcile(ClusterView view, NodeCapacity capacity) {
        failVmisOfDeletedNodes(view);
        for (VirtualMachine vm : view.vms()) {
            try {
                reconcile(vm, view, capacity);
            } catch (RuntimeException e) {
                LOG.warn("VM {} not reconciled, retrying next tick: {}", ClusterView.key(vm), e.toString());
            }
        }
        for (VirtualMachineInstance vmi : view.vmis().values()) {
            if (vmi.getMetadata().getDeletionTimestamp() != null) {
                try {
                    shutDown(vmi, view);
                } catch (RuntimeException e) {
                    LOG.warn("VMI {} not shut down, retrying next tick: {}", ClusterView.key(vmi), e.toString());
                }
            }
        }
    }

    private void reconcile(VirtualMachine vm, ClusterView view, NodeCapacity capacity) {
        String namespace = vm.getMetadata().getNamespace();
        String name = vm.getMetadata().getName();
        VirtualMachineInstance vmi = view.vmi(namespace, name).orElse(null);
        String strategy = effectiveRunStrategy(vm);
        List<StateChangeRequest> requests = requests(vm);
        boolean startRequest = !requests.isEmpty() && StateChangeRequest.START.equals(requests.get(0).action);
        boolean stopRequest = vmi != null && !requests.isEmpty() && StateChangeRequest.STOP.equals(requests.get(0).action)
                && Objects.equals(requests.get(0).uid, vmi.getMetadata().getUid());
        boolean started = false;
        switch (strategy) {
            case VirtualMachine.ALWAYS -> {
                if (vmi != null && (stopRequest || isFinal(vmi))) {
                    stop(vmi);
                } else if (vmi == null) {
                    started = start(vm, view, capacity);
                }
            }
            case VirtualMachine.RERUN_ON_FAILURE -> {
                if (vmi != null) {
                    boolean failed = "Failed".equals(vmi.phase());
                    if (vmi.getMetadata().getDeletionTimestamp() == null && (stopRequest || failed || isFinal(vmi))) {
                        stop(vmi);
                        if (failed) {
                            requests.add(new StateChangeRequest(StateChangeRequest.START, null));
                        }
                    }
                } else if (startRequest || !strategy.equals(statusRunStrategy(vm))) {
                    started = start(vm, view, capacity);
                }
            }
            case VirtualMachine.MANUAL -> {
                if (vmi != null && stopRequest) {
                    stop(vmi);
                } else if (vmi == null && startRequest) {
                    started = start(vm, view, capacity);
                }
            }
            case VirtualMachine.HALTED -> {
                if (vmi != null) {
                    stop(vmi);
                } else if (startRequest) {
                    vm.getSpec().runStrategy = VirtualMachine.ALWAYS;
                    vm.getSpec().running = null;
                    client.resource(vm).update();
                    LOG.info("VM {}: start request while Halted, runStrategy Always", ClusterView.key(vm));
                    return;
                }
            }
            default -> LOG.debug("VM {}: runStrategy {} not simulated", ClusterView.key(vm), strategy);
        }
        writeStatus(vm, started ? view.vmi(namespace, name).orElse(null) : vmi, started, strategy, requests);
    }

    /**
     * A Node object deleted while VMIs ran there: the pod garbage collector removes the pods bound to a node that does
     * not exist ({@link LauncherPods#collectGarbage}), and virt-controller fails a VMI whose launcher pod is gone. Its
     * migrations then fail, and the VM controller starts a new VMI elsewhere as the runStrategy says.
     */
    private void failVmisOfDeletedNodes(ClusterView view) {
        for (VirtualMachineInstance vmi : new java.util.ArrayList<>(view.vmis().values())) {
            String node = vmi.nodeName().orElse(null);
            if (node == null || node.isEmpty() || view.nodes().containsKey(node) || isFinal(vmi)) {
                continue;
            }
            try {
                writer.updateVmi(vmi.getMetadata().getNamespace(), vmi.getMetadata().getName(), v -> {
                    if (v.getStatus() != null) {
                        v.getStatus().phase = "Failed";
                    }
                }).ifPresent(v -> view.vmis().put(ClusterView.key(v), v));
                LOG.info("VMI {} failed: its node {} was deleted (launcher pod gone)", ClusterView.key(vmi), node);
            } catch (RuntimeException e) {
                LOG.warn("VMI {} not failed, retrying next tick: {}", ClusterView.key(vmi), e.toString());
            }
        }
    }

    /**
     * Deletes a VMI the way KubeVirt does: its finalizer keeps it, with {@code deletionTimestamp} set, while the guest
     * shuts down.
     */
    private void stop(VirtualMachineInstance vmi) {
        if (vmi.getMetadata().getDeletionTimestamp() != null) {
            return;
        }
        client.resource(vmi).delete();
        LOG.info("VMI {} stopping (grace {} s)", ClusterView.key(vmi), grace(vmi));
    }

    /** virt-handler's part: the guest powers off, the VMI turns Succeeded, then the object goes. */
    private void shutDown(VirtualMachineInstance vmi, ClusterView view) {
        String namespace = vmi.getMetadata().getNamespace();
        String name = vmi.getMetadata().getName();
        if (isFinal(vmi)) {
            // the launcher pod is gone: the finalizer comes off and the API server removes the VMI
            writer.updateVmi(namespace, name, v -> v.getMetadata().setFinalizers(null));
            LOG.info("VMI {} gone", ClusterView.key(vmi));
            return;
        }
        boolean ignores = view.vms().stream().anyMatch(vm -> ClusterView.key(vm).equals(ClusterView.key(vmi))
                && vm.getMetadata().getAnnotations() != null
                && "true".equals(vm.getMetadata().getAnnotations().get(IGNORES_SHUTDOWN_ANNOTATION)));
        double seconds = ignores ? grace(vmi) : Math.min(grace(vmi), GUEST_SHUTDOWN_SECONDS);
        Instant since = Instant.parse(vmi.getMetadata().getDeletionTimestamp());
        if (Instant.now().isBefore(since.plusMillis(settings.scaledMillis(seconds)))) {
            return;
        }
        writer.updateVmi(namespace, name, v -> {
            if (v.getStatus() != null) {
                v.getStatus().phase = "Succeeded";
            }
        });
        LOG.info("VMI {} shut down{}", ClusterView.key(vmi), ignores ? " (killed at the end of its grace period)" : "");
    }

    private boolean start(VirtualMachine vm, ClusterView view, NodeCapacity capacity) {
        // the VMI-to-be, node still unknown: its spec decides the launcher pod's selector
        VirtualMachineInstance probe = VmiFactory.runningVmi(vm, "");
        Map<String, String> selector = scheduler.startSelector(probe);
        boolean hostModel = KubeVirtNames.CPU_HOST_MODEL.equals(TargetScheduler.cpuModel(probe));
        Optional<String> node = scheduler.schedule(probe, selector, view, capacity, null, hostModel);
        if (node.isEmpty()) {
            LOG.debug("VM {} cannot start yet: no node fits", ClusterView.key(vm));
            return false;
        }
        VirtualMachineInstance vmi = VmiFactory.runningVmi(vm, node.get());
        VirtualMachineInstance created = client.resource(vmi).create();
        pods.create(created, node.get(), selector, LauncherPods.RUNNING, null);
        capacity.reserve(node.get(), NodeCapacity.memoryOf(vmi));
        view.vmis().put(ClusterView.key(created), created);
        LOG.info("VM {} started on {}", ClusterView.key(vm), node.get());
        return true;
    }

    /** status: created/ready/printableStatus, runStrategy synced once a VMI was created, the first request trimmed. */
    private void writeStatus(VirtualMachine vm, VirtualMachineInstance vmi, boolean started, String strategy,
                             List<StateChangeRequest> requests) {
        VirtualMachine.Status old = vm.getStatus() == null ? new VirtualMachine.Status() : vm.getStatus();
        boolean running = vmi != null && vmi.getMetadata().getDeletionTimestamp() == null && !isFinal(vmi);
        if (!requests.isEmpty()) {
            StateChangeRequest first = requests.get(0);
            boolean trim = StateChangeRequest.START.equals(first.action) ? running
                    : vmi == null || first.uid == null || !first.uid.equals(vmi.getMetadata().getUid());
            if (trim) {
                requests.remove(0);
            }
        }
        boolean created = vmi != null;
        String runStrategy = old.runStrategy != null || created ? strategy : null;
        String printable = running ? "Running" : vmi != null ? "Stopping" : "Stopped";
        if (Objects.equals(old.created, created) && Objects.equals(old.ready, running)
                && Objects.equals(old.printableStatus, printable) && Objects.equals(old.runStrategy, runStrategy)
                && requests.equals(requests(vm)) && !started) {
            return; // nothing changed: no write, no watch event
        }
        VirtualMachine.Status status = new VirtualMachine.Status();
        status.created = created;
        status.ready = running;
        status.printableStatus = printable;
        status.runStrategy = runStrategy;
        status.stateChangeRequests = requests.isEmpty() ? null : requests;
        vm.setStatus(status);
        try {
            client.resource(vm).updateStatus();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
            // a subresource or DrainPilot wrote the VM meanwhile: the next tick acts on what it wrote
        }
    }

    private static List<StateChangeRequest> requests(VirtualMachine vm) {
        return vm.getStatus() == null || vm.getStatus().stateChangeRequests == null ? new ArrayList<>()
                : new ArrayList<>(vm.getStatus().stateChangeRequests);
    }

    private static String statusRunStrategy(VirtualMachine vm) {
        return vm.getStatus() == null ? null : vm.getStatus().runStrategy;
    }

    private static long grace(VirtualMachineInstance vmi) {
        Long g = vmi.getSpec() == null ? null : vmi.getSpec().terminationGracePeriodSeconds;
        return g == null ? DEFAULT_GRACE_SECONDS : g;
    }

    static boolean isFinal(VirtualMachineInstance vmi) {
        return "Succeeded".equals(vmi.phase()) || "Failed".equals(vmi.phase());
    }

    /** runStrategy, or the deprecated {@code running} boolean when runStrategy is unset. */
    static String effectiveRunStrategy(VirtualMachine vm) {
        if (vm.runStrategy() != null) {
            return vm.runStrategy();
        }
        Boolean running = vm.getSpec() == null ? null : vm.getSpec().running;
        return Boolean.TRUE.equals(running) ? VirtualMachine.ALWAYS : VirtualMachine.HALTED;
    }
}
