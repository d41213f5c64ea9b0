package io.drainpilot.work;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;

import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * A Harvester upgrade ({@code upgrades.harvesterhci.io}) as DrainPilot reads it: the version it upgrades to, each
 * node's state, the node-upgrade pause map and DrainPilot's own marks on it.
 *
 * @param pauseMap    {@code harvesterhci.io/node-upgrade-pause-map}: node -> pause | unpause
 * @param pausedByUs  nodes DrainPilot paused (its bookkeeping annotation): the only ones it ever unpauses
 * @param conductorOff the Upgrade carries {@code drainpilot.io/conductor: "off"}: DrainPilot steps back
 * @param completed   Harvester set the Completed condition (True or False): the upgrade is over
 */
public record HarvesterUpgrade(String namespace, String name, String version, String previousVersion,
        Map<String, String> nodeStates, Map<String, String> pauseMap, Set<String> pausedByUs, boolean conductorOff,
        boolean latest, boolean completed, String createdAt) {

    public static final String PAUSE_MAP = "harvesterhci.io/node-upgrade-pause-map";
    public static final String PAUSE = "pause";
    public static final String UNPAUSE = "unpause";
    public static final String LATEST_LABEL = "harvesterhci.io/latestUpgrade";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Node states before a node's own upgrade begins: the ones DrainPilot may hold paused. */
    public static final Set<String> NOT_STARTED = Set.of("", "Images preloading", "Images preloaded", "Node-upgrade paused");

    public String state(String node) {
        return nodeStates.getOrDefault(node, "");
    }

    public boolean notStarted(String node) {
        return NOT_STARTED.contains(state(node));
    }

    public boolean paused(String node) {
        return PAUSE.equals(pauseMap.get(node));
    }

    /** Nodes whose part of this upgrade has succeeded. */
    public Set<String> upgradedNodes() {
        Set<String> out = new LinkedHashSet<>();
        nodeStates.forEach((n, s) -> {
            if ("Succeeded".equals(s)) {
                out.add(n);
            }
        });
        return out;
    }

    /** The upgrade Harvester is running now: the newest one that has not completed, the latest-labelled first. */
    public static Optional<HarvesterUpgrade> running(Collection<GenericKubernetesResource> upgrades) {
        return upgrades.stream().map(HarvesterUpgrade::of).filter(u -> !u.completed())
                .max(Comparator.comparing(HarvesterUpgrade::latest).thenComparing(HarvesterUpgrade::createdAt,
                        Comparator.nullsFirst(Comparator.naturalOrder())));
    }

    @SuppressWarnings("unchecked")
    public static HarvesterUpgrade of(GenericKubernetesResource u) {
        Map<String, String> ann = u.getMetadata().getAnnotations() == null ? Map.of() : u.getMetadata().getAnnotations();
        Map<String, String> labels = u.getMetadata().getLabels() == null ? Map.of() : u.getMetadata().getLabels();
        Map<String, Object> spec = map(u.getAdditionalProperties().get("spec"));
        Map<String, Object> status = map(u.getAdditionalProperties().get("status"));
        Map<String, String> states = new TreeMap<>();
        map(status.get("nodeStatuses")).forEach((node, st) -> states.put(node, String.valueOf(map(st).getOrDefault("state", ""))));
        boolean completed = status.get("conditions") instanceof List<?> conditions && conditions.stream()
                .anyMatch(c -> c instanceof Map<?, ?> m && "Completed".equals(m.get("type"))
                        && ("True".equals(m.get("status")) || "False".equals(m.get("status"))));
        return new HarvesterUpgrade(u.getMetadata().getNamespace(), u.getMetadata().getName(),
                string(spec.get("version")), string(status.get("previousVersion")), states, pauseMap(ann.get(PAUSE_MAP)),
                nodes(ann.get(io.drainpilot.names.Bookkeeping.PAUSED_NODES)),
                "off".equalsIgnoreCase(ann.getOrDefault(io.drainpilot.names.Names.CONDUCTOR, "").trim()),
                "true".equals(labels.get(LATEST_LABEL)), completed, u.getMetadata().getCreationTimestamp());
    }

    public static Map<String, String> pauseMap(String json) {
        if (json == null || json.isBlank()) {
            return Map.of();
        }
        try {
            return new LinkedHashMap<>(JSON.readValue(json, new TypeReference<Map<String, String>>() { }));
        } catch (Exception e) {
            return Map.of();
        }
    }

    public static String pauseMapJson(Map<String, String> map) {
        try {
            return JSON.writeValueAsString(new TreeMap<>(map));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static Set<String> nodes(String csv) {
        Set<String> out = new LinkedHashSet<>();
        if (csv != null) {
            Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty()).forEach(out::add);
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    private static String string(Object o) {
        return o == null ? null : String.valueOf(o);
    }
}
