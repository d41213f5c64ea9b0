package io.drainpilot.kubevirt;

import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

import java.util.Optional;

/** A running VM: {@code kubevirt.io/v1 VirtualMachineInstance}. */
@Group(KubeVirtNames.GROUP)
@Version(KubeVirtNames.VERSION)
@Kind("VirtualMachineInstance")
@Plural("virtualmachineinstances")
@Singular("virtualmachineinstance")
@ShortNames("vmi")
public class VirtualMachineInstance
        extends CustomResource<VirtualMachineInstanceSpec, VirtualMachineInstanceStatus> implements Namespaced {

    /** The node KubeVirt reports the VMI running on ({@code status.nodeName}); empty when it reports none. */
    public Optional<String> nodeName() {
        if (getStatus() != null && getStatus().nodeName != null && !getStatus().nodeName.isBlank()) {
            return Optional.of(getStatus().nodeName);
        }
        return Optional.empty();
    }

    public String phase() {
        return getStatus() == null || getStatus().phase == null ? "" : getStatus().phase;
    }

    public String label(String key) {
        return getMetadata() == null || getMetadata().getLabels() == null ? null : getMetadata().getLabels().get(key);
    }

    public String annotation(String key) {
        return getMetadata() == null || getMetadata().getAnnotations() == null ? null
                : getMetadata().getAnnotations().get(key);
    }
}
