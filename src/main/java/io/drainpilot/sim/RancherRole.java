package io.drainpilot.sim;

/** A Rancher-provisioned node's roles; they decide the tier it is upgraded in. */
public enum RancherRole {
    ETCD, CONTROL_PLANE, WORKER
}
