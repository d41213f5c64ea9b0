package io.drainpilot.kubevirt;

import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/** The VM that owns a VMI: {@code kubevirt.io/v1 VirtualMachine}. Started and stopped through runStrategy. */
@Group(KubeVirtNames.GROUP)
@Version(KubeVirtNames.VERSION)
@Kind("VirtualMachine")
@Plural("virtualmachines")
@Singular("virtualmachine")
@ShortNames("vm")
public class VirtualMachine extends CustomResource<VirtualMachine.Spec, VirtualMachine.Status> implements Namespaced {

    public static final String ALWAYS = "Always";
    public static final String HALTED = "Halted";
    public static final String RERUN_ON_FAILURE = "RerunOnFailure";
    public static final String MANUAL = "Manual";

    public String runStrategy() {
        return getSpec() == null ? null : getSpec().runStrategy;
    }

    public static class Spec extends Extensible {
        /** Always, RerunOnFailure, Halted or Manual. */
        public String runStrategy;
        /** The deprecated boolean form of runStrategy. */
        public Boolean running;
        /** The VMI template: its spec becomes the VMI's spec. */
        public Template template;
    }

    public static class Template extends Extensible {
        public io.fabric8.kubernetes.api.model.ObjectMeta metadata;
        public VirtualMachineInstanceSpec spec;
    }

    public static class Status extends Extensible {
        public Boolean created;
        public Boolean ready;
        public String printableStatus;
        /** The runStrategy virt-controller last acted on (synced once a VMI was created). */
        public String runStrategy;
        /** start/stop requests from the subresources, the first one acted on first. */
        public java.util.List<StateChangeRequest> stateChangeRequests;
    }

    /** A request the {@code start}/{@code stop} subresources leave for virt-controller. */
    public static class StateChangeRequest extends Extensible {
        public static final String START = "Start";
        public static final String STOP = "Stop";

        public String action;
        /** The VMI a stop request is for. */
        public String uid;

        public StateChangeRequest() {
        }

        public StateChangeRequest(String action, String uid) {
            this.action = action;
            this.uid = uid;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof StateChangeRequest r && java.util.Objects.equals(action, r.action)
                    && java.util.Objects.equals(uid, r.uid);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(action, uid);
        }
    }
}
