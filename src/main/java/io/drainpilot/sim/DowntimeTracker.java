package io.drainpilot.sim;

import io.drainpilot.kubevirt.VirtualMachine;
import io.drainpilot.kubevirt.VirtualMachineInstance;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Watches, tick by tick, whether each VM has a running VMI, and records every span in which a VM that ran has none:
 * from the moment it stopped (the recorded stop when there is one, else the tick that saw it gone) to the tick
 * that sees a VMI running again. The tick period bounds its precision. A live migration keeps the VMI Running, so
 * its final pause (under a second in real clusters) is not counted.
 */
final class DowntimeTracker {
    private final HarvesterRecord record;
    // VM key -> uid of the running VMI seen last tick; absent while down or never seen running
    private final Map<String, String> running = new HashMap<>();
    private final Map<String, Boolean> down = new HashMap<>();

    DowntimeTracker(HarvesterRecord record) {
        this.record = record;
    }

    void observe(HarvesterView view) {
        Instant now = view.now();
        for (VirtualMachine vm : view.vms().values()) {
            String key = ClusterView.key(vm);
            VirtualMachineInstance vmi = view.vmis().get(key);
            boolean isRunning = vmi != null && "Running".equals(vmi.phase());
            String uid = isRunning ? vmi.getMetadata().getUid() : null;
            String before = running.get(key);
            if (Boolean.TRUE.equals(down.get(key)) && isRunning) {
                record.downtimeEnded(vm.getMetadata().getNamespace(), vm.getMetadata().getName(), now);
                down.put(key, false);
            } else if (before != null && !before.equals(uid)) {
                began(vm, now);
                if (isRunning) {
                    // gone and back within one tick
                    record.downtimeEnded(vm.getMetadata().getNamespace(), vm.getMetadata().getName(), now);
                } else {
                    down.put(key, true);
                }
            }
            if (isRunning) {
                running.put(key, uid);
            } else {
                running.remove(key);
            }
        }
    }

    private void began(VirtualMachine vm, Instant now) {
        String ns = vm.getMetadata().getNamespace();
        String name = vm.getMetadata().getName();
        List<HarvesterRecord.StoppedVm> stops = record.stops().stream()
                .filter(s -> s.namespace().equals(ns) && s.name().equals(name) && !s.time().isAfter(now)).toList();
        HarvesterRecord.StoppedVm last = stops.isEmpty() ? null : stops.get(stops.size() - 1);
        // a stop recorded after the last downtime began is this one's cause
        boolean fresh = last != null && record.downtimes().stream()
                .filter(d -> d.namespace().equals(ns) && d.name().equals(name))
                .noneMatch(d -> !d.from().isBefore(last.time()));
        record.downtimeBegan(new HarvesterRecord.Downtime(ns, name, fresh ? last.time() : now, null,
                fresh ? last.reason() : null));
    }
}
