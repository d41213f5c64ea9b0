package io.drainpilot.cpu;

import io.fabric8.kubernetes.api.model.Node;

import java.util.IdentityHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * The CPU labels of the nodes one scan read, each parsed once instead of once per VM planned. Keyed by the Node
 * object itself: a node read again (the next scan, another cluster) is a new object and is parsed again, so no
 * answer outlives the read it came from.
 */
public final class NodeCpuLabels implements Function<Node, CpuLabels> {
    private final Map<Node, CpuLabels> parsed = new IdentityHashMap<>();

    @Override
    public synchronized CpuLabels apply(Node node) {
        return parsed.computeIfAbsent(node, CpuLabels::of);
    }
}
