package io.drainpilot.work;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The latest progress of each running migration of ours (memory only, rebuilt at every await tick): the status page
 * and the gauges read it, the await stage looks up the not-converging verdicts in it.
 */
public class ProgressBoard {
    private final Map<String, MigrationProgress> byVm = new ConcurrentHashMap<>();

    public void put(MigrationProgress p) {
        byVm.put(p.vmKey(), p);
    }

    public Optional<MigrationProgress> of(String namespace, String vmi) {
        return Optional.ofNullable(byVm.get(namespace + "/" + vmi));
    }

    /** Keeps only these VMs ({@code namespace/name}). */
    public void retainOnly(Collection<String> vmKeys) {
        byVm.keySet().retainAll(vmKeys);
    }

    public List<MigrationProgress> all() {
        return List.copyOf(byVm.values());
    }

    /** Why this migration is judged not converging, if it is. */
    public Optional<String> notConverging(String namespace, String vmi, String migration) {
        return of(namespace, vmi).filter(p -> migration.equals(p.migration())).map(MigrationProgress::notConverging);
    }
}
