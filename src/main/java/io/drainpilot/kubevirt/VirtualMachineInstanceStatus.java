package io.drainpilot.kubevirt;

import java.util.List;

/** What KubeVirt reports about a VMI. */
public class VirtualMachineInstanceStatus extends Extensible {
    /** Pending, Scheduling, Scheduled, Running, Succeeded, Failed. */
    public String phase;
    public String nodeName;
    public String evacuationNodeName;
    public List<Condition> conditions;
    public MigrationState migrationState;

    public static class Condition extends Extensible {
        public String type;
        public String status;
        public String reason;
        public String message;
        public String lastTransitionTime;
        public String lastProbeTime;
    }

    public static class MigrationState extends Extensible {
        public String migrationUid;
        public String sourceNode;
        public String targetNode;
        public String targetPod;
        public String startTimestamp;
        public String endTimestamp;
        public Boolean completed;
        public Boolean failed;
        public String failureReason;
        public String abortStatus;
        public String mode;
    }
}
