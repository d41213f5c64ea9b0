package io.drainpilot.work;

import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.names.Bookkeeping;
import io.drainpilot.names.Names;

import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * DrainPilot's marks on a VMI for one drain: attempts, the fallback applied, the backoff, failed targets. Marks that
 * name another drain ({@link Bookkeeping#DRAIN}) do not count: the VM starts this drain with a clean slate.
 */
public record DrainMarks(int attempts, String settled, Instant retryAfter, Set<String> failedTargets) {

    public static final DrainMarks NONE = new DrainMarks(0, null, null, Set.of());

    public static String drainKey(String node, String drainId) {
        return node + "/" + drainId;
    }

    public static DrainMarks of(VirtualMachineInstance vmi, String drainKey) {
        Map<String, String> a = vmi.getMetadata() == null || vmi.getMetadata().getAnnotations() == null ? Map.of()
                : vmi.getMetadata().getAnnotations();
        if (drainKey == null || !drainKey.equals(a.get(Bookkeeping.DRAIN))) {
            return NONE;
        }
        Set<String> failed = new LinkedHashSet<>();
        String f = a.get(Bookkeeping.FAILED_TARGETS);
        if (f != null && !f.isBlank()) {
            failed.addAll(List.of(f.split(",")));
        }
        return new DrainMarks(parseInt(a.get(Names.ATTEMPTS)), a.get(Bookkeeping.SETTLED),
                parseInstant(a.get(Bookkeeping.RETRY_AFTER)).orElse(null), Set.copyOf(failed));
    }

    public boolean waiting(Instant now) {
        return retryAfter != null && retryAfter.isAfter(now);
    }

    private static int parseInt(String v) {
        try {
            return v == null ? 0 : Math.max(0, Integer.parseInt(v.trim()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static Optional<Instant> parseInstant(String s) {
        try {
            return s == null ? Optional.empty() : Optional.of(Instant.parse(s));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }
}
