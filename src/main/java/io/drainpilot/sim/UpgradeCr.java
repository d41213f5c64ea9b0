package io.drainpilot.sim;

import com.fasterxml.jackson.core.type.TypeReference;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and changes Harvester's Upgrade CR ({@code harvesterhci.io/v1beta1 Upgrade}) held as a generic resource:
 * {@code status.nodeStatuses}, the upgrade-state label, conditions and the pause-map annotation, the way Harvester's
 * {@code setNodeUpgradeStatus} and {@code markComplete} do.
 */
final class UpgradeCr {
    static final String STATE_PREPARING_NODES = "PreparingNodes";
    static final String STATE_UPGRADING_SYSTEM_SERVICES = "UpgradingSystemServices";
    static final String STATE_UPGRADING_NODES = "UpgradingNodes";
    static final String STATE_SUCCEEDED = "Succeeded";
    static final String STATE_FAILED = "Failed";

    private UpgradeCr() {
    }

    static NodeUpgradeState nodeState(GenericKubernetesResource upgrade, String node) {
        Object state = HarvesterView.path(status(upgrade), "nodeStatuses", node, "state");
        return state == null ? null : NodeUpgradeState.of(String.valueOf(state));
    }

    /** Node -> state, for the nodes that have one. */
    static Map<String, NodeUpgradeState> nodeStates(GenericKubernetesResource upgrade) {
        Map<String, NodeUpgradeState> states = new LinkedHashMap<>();
        HarvesterView.asMap(HarvesterView.path(status(upgrade), "nodeStatuses")).forEach((node, s) -> {
            Object state = HarvesterView.asMap(s).get("state");
            states.put(node, state == null ? null : NodeUpgradeState.of(String.valueOf(state)));
        });
        return states;
    }

    static String upgradeState(GenericKubernetesResource upgrade) {
        Map<String, String> labels = upgrade == null ? null : upgrade.getMetadata().getLabels();
        return labels == null ? null : labels.get(HarvesterNames.UPGRADE_STATE_LABEL);
    }

    /** The pause map; an unreadable annotation counts as none (Harvester logs the error and does not pause). */
    static Map<String, String> pauseMap(GenericKubernetesResource upgrade) {
        Map<String, String> annotations = upgrade == null ? null : upgrade.getMetadata().getAnnotations();
        String value = annotations == null ? null : annotations.get(HarvesterNames.PAUSE_MAP_ANNOTATION);
        if (value == null) {
            return Map.of();
        }
        try {
            return Serialization.jsonMapper().readValue(value, new TypeReference<Map<String, String>>() { });
        } catch (java.io.IOException | RuntimeException e) {
            return Map.of();
        }
    }

    static boolean paused(GenericKubernetesResource upgrade, String node) {
        return HarvesterNames.PAUSE.equals(pauseMap(upgrade).get(node));
    }

    /** Harvester's setNodeUpgradeStatus: one node's state, then NodesUpgraded and completion when all succeeded. */
    static void setNodeState(GenericKubernetesResource upgrade, String node, NodeUpgradeState state, String reason,
                             String message) {
        Map<String, Object> status = mutableStatus(upgrade);
        Map<String, Object> perNode = mutableMap(status, "nodeStatuses");
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("state", state.wire());
        if (reason != null) {
            entry.put("reason", reason);
        }
        if (message != null) {
            entry.put("message", message);
        }
        perNode.put(node, entry);
        if (state == NodeUpgradeState.FAILED) {
            setCondition(upgrade, "NodesUpgraded", "False", reason);
            markComplete(upgrade);
            return;
        }
        if (STATE_UPGRADING_NODES.equals(upgradeState(upgrade))) {
            boolean all = perNode.values().stream().allMatch(v ->
                    NodeUpgradeState.SUCCEEDED.wire().equals(HarvesterView.asMap(v).get("state")));
            if (all) {
                setCondition(upgrade, "NodesUpgraded", "True", null);
                markComplete(upgrade);
            }
        }
    }

    static void setUpgradeState(GenericKubernetesResource upgrade, String state) {
        if (upgrade.getMetadata().getLabels() == null) {
            upgrade.getMetadata().setLabels(new LinkedHashMap<>());
        }
        upgrade.getMetadata().getLabels().put(HarvesterNames.UPGRADE_STATE_LABEL, state);
    }

    static void setCondition(GenericKubernetesResource upgrade, String type, String value, String reason) {
        Map<String, Object> status = mutableStatus(upgrade);
        List<Map<String, Object>> conditions = new ArrayList<>();
        Object existing = status.get("conditions");
        if (existing instanceof List<?> l) {
            l.forEach(c -> conditions.add(new LinkedHashMap<>(HarvesterView.asMap(c))));
        }
        conditions.removeIf(c -> type.equals(c.get("type")));
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("type", type);
        c.put("status", value);
        c.put("lastUpdateTime", Timestamps.now());
        if (reason != null) {
            c.put("reason", reason);
        }
        conditions.add(c);
        status.put("conditions", conditions);
    }

    static String condition(GenericKubernetesResource upgrade, String type) {
        Object conditions = HarvesterView.asMap(status(upgrade)).get("conditions");
        if (conditions instanceof List<?> l) {
            for (Object c : l) {
                Map<String, Object> m = HarvesterView.asMap(c);
                if (type.equals(m.get("type"))) {
                    return String.valueOf(m.get("status"));
                }
            }
        }
        return null;
    }

    /** Harvester's markComplete: Completed follows SystemServicesUpgraded and NodesUpgraded. */
    private static void markComplete(GenericKubernetesResource upgrade) {
        if ("True".equals(condition(upgrade, "SystemServicesUpgraded")) && "True".equals(condition(upgrade, "NodesUpgraded"))) {
            setCondition(upgrade, "Completed", "True", null);
            setUpgradeState(upgrade, STATE_SUCCEEDED);
        }
        if ("False".equals(condition(upgrade, "SystemServicesUpgraded")) || "False".equals(condition(upgrade, "NodesUpgraded"))) {
            setCondition(upgrade, "Completed", "False", null);
            setUpgradeState(upgrade, STATE_FAILED);
        }
    }

    private static Object status(GenericKubernetesResource upgrade) {
        return upgrade == null ? null : upgrade.getAdditionalProperties().get("status");
    }

    private static Map<String, Object> mutableStatus(GenericKubernetesResource upgrade) {
        return mutableMap(upgrade.getAdditionalProperties(), "status");
    }

    private static Map<String, Object> mutableMap(Map<String, Object> parent, String key) {
        Map<String, Object> copy = new LinkedHashMap<>(HarvesterView.asMap(parent.get(key)));
        parent.put(key, copy);
        return copy;
    }
}
