package io.drainpilot.sim;

import io.fabric8.kubernetes.api.model.ContainerImage;
import io.fabric8.kubernetes.api.model.FieldsV1;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.Node;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What makes a real Harvester Node object 20-50 KB: node-feature-discovery and topology labels, the images the
 * kubelet reports (Harvester nodes cache dozens), and the managedFields of every controller that wrote it. Filled with
 * plausible names and sizes; nothing reads them (which is the point: DrainPilot's caches must not keep them).
 */
final class NodeBulk {
    static final int EXTRA_LABELS = 100;
    static final int IMAGES = 40;

    private NodeBulk() {
    }

    static void add(Node node) {
        Map<String, String> labels = new LinkedHashMap<>(node.getMetadata().getLabels());
        for (int i = 0; i < EXTRA_LABELS; i++) {
            labels.put(switch (i % 4) {
                case 0 -> "feature.node.kubernetes.io/cpu-cpuid.FEATURE" + i;
                case 1 -> "feature.node.kubernetes.io/kernel-config.OPTION_" + i;
                case 2 -> "feature.node.kubernetes.io/pci-0300_" + Integer.toHexString(0x1000 + i) + ".present";
                default -> "node.harvesterhci.io/extra-" + i;
            }, i % 4 == 3 ? "value-" + i : "true");
        }
        node.getMetadata().setLabels(labels);
        List<ContainerImage> images = new ArrayList<>();
        for (int i = 0; i < IMAGES; i++) {
            String repo = "registry.suse.com/harvester/component-" + i;
            images.add(new ContainerImage(List.of(repo + "@sha256:" + "0123456789abcdef".repeat(4),
                    repo + ":v1.7." + i), 50_000_000L + i * 1_000_003L));
        }
        node.getStatus().setImages(images);
        List<ManagedFieldsEntry> managed = new ArrayList<>();
        for (String manager : List.of("kubelet", "node-feature-discovery", "virt-handler", "kube-controller-manager")) {
            Map<String, Object> fields = new HashMap<>();
            Map<String, Object> metaLabels = new LinkedHashMap<>();
            labels.keySet().stream().limit(40).forEach(k -> metaLabels.put("f:" + k, Map.of()));
            fields.put("f:metadata", Map.of("f:labels", metaLabels));
            Map<String, Object> status = new LinkedHashMap<>();
            for (int c = 0; c < 12; c++) {
                status.put("k:{\"type\":\"Condition" + c + "\"}", Map.of(".", Map.of(), "f:lastHeartbeatTime",
                        Map.of(), "f:message", Map.of(), "f:reason", Map.of(), "f:status", Map.of()));
            }
            fields.put("f:status", status);
            ManagedFieldsEntry e = new ManagedFieldsEntry();
            e.setManager(manager);
            e.setOperation("Update");
            e.setApiVersion("v1");
            e.setFieldsType("FieldsV1");
            e.setTime("2026-11-30T00:00:00Z");
            FieldsV1 v1 = new FieldsV1();
            v1.setAdditionalProperties(fields);
            e.setFieldsV1(v1);
            managed.add(e);
        }
        node.getMetadata().setManagedFields(managed);
    }
}
