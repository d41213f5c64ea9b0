package io.drainpilot.migrate;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Migrations someone else started (KubeVirt's evacuation controller, a person) for VMs on a node DrainPilot is
 * evacuating: never doubled, followed to the end and counted. Memory only: a new process adopts them again at its
 * first scan, as long as they are still running.
 */
public class AdoptedMigrations {

    /** One adopted migration and the draining node its VM was on. */
    public record Adopted(String namespace, String name, String vmi, String node) {
        String key() {
            return namespace + "/" + name;
        }
    }

    private final Map<String, Adopted> adopted = new ConcurrentHashMap<>();

    public void adopt(String namespace, String name, String vmi, String node) {
        Adopted a = new Adopted(namespace, name, vmi, node);
        adopted.putIfAbsent(a.key(), a);
    }

    public List<Adopted> all() {
        return List.copyOf(adopted.values());
    }

    /** An adopted migration of this node not yet followed to its end: the node is not done before it is counted. */
    public boolean anyFor(String node) {
        return adopted.values().stream().anyMatch(a -> a.node().equals(node));
    }

    public void forget(Adopted a) {
        adopted.remove(a.key());
    }
}
