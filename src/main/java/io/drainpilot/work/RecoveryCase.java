package io.drainpilot.work;

/**
 * A VM that could not simply be migrated, as the recovery route sees it: which VM, on which node, and why.
 *
 * @param failedTarget the node a failed migration was heading to, if known
 * @param migration    the failed migration's name (deleted once recovery has decided); null otherwise
 * @param attempts     migration attempts this drain has made for the VM, as the stage that sent it knew them
 * @param drainId      the drain of the node the case belongs to (recovery acts only while it is still the node's
 *                     drain); null when unknown
 */
public record RecoveryCase(String node, String namespace, String vmi, Reason reason, String detail,
        String failedTarget, String migration, int attempts, String drainId) {

    public RecoveryCase(String node, String namespace, String vmi, Reason reason, String detail) {
        this(node, namespace, vmi, reason, detail, null, null, 0, null);
    }

    public RecoveryCase(String node, String namespace, String vmi, Reason reason, String detail,
            String failedTarget, String migration, int attempts) {
        this(node, namespace, vmi, reason, detail, failedTarget, migration, attempts, null);
    }

    /** Why the VM is in recovery; the name is the wire name (alerts, metrics, Events). */
    public enum Reason {
        NotMigratable(false), NoCompatibleTarget(false), NoSafeTarget(false),
        MigrationFailed(true), MigrationTimedOut(true), MigrationRefused(true),
        /** DrainPilot cancelled a migration whose guest dirtied memory as fast as it was sent. */
        NotConverging(true);

        private final boolean retryable;

        Reason(boolean retryable) {
            this.retryable = retryable;
        }

        /** Retrying cannot help a VM that has nowhere to go; it can help one whose migration broke. */
        public boolean retryable() {
            return retryable;
        }
    }

    public String vmRef() {
        return namespace + "/" + vmi;
    }
}
