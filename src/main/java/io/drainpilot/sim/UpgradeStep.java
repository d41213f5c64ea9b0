package io.drainpilot.sim;

/** The steps of one node's upgrade the simulation records a time for, in the order they normally happen. */
public enum UpgradeStep {
    // Rancher (planner and machine-drain controller)
    DRAIN_OPTIONS_SET,
    CORDONED,
    PRE_DRAIN_REQUESTED,
    PRE_DRAIN_HOOKS_DONE,
    DRAINED,
    KUBERNETES_UPGRADED,
    POST_DRAIN_REQUESTED,
    POST_DRAIN_HOOKS_DONE,
    UNCORDONED,
    HOOK_ANNOTATIONS_REMOVED,
    // Harvester (upgrade controller and node jobs)
    UPGRADE_PAUSED,
    UPGRADE_UNPAUSED,
    PRE_DRAIN_JOB_CREATED,
    DETECTOR_RAN,
    DRAIN_TAINTED,
    NODE_EMPTY,
    PRE_DRAINED,
    POST_DRAIN_JOB_CREATED,
    DRAIN_TAINT_REMOVED,
    WAITING_REBOOT,
    REBOOTED,
    SUCCEEDED
}
