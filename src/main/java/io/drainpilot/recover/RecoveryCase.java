package io.drainpilot.recover;

/**
 * A VM that could not simply be migrated, as the recovery route sees it: which VM, on which node, and why.
 *
 * @param reason       NotMigratable, NoCompatibleTarget, NoSafeTarget, MigrationFailed or MigrationTimedOut
 * @param failedTarget the node a failed migration was heading to, if known
 * @param migration    the failed migration's name, marked as handled once recovery has decided; null otherwise
 */
public record RecoveryCase(String node, String namespace, String vmi, Reason reason, String detail,
        String failedTarget, String migration) {

    public RecoveryCase(String node, String namespace, String vmi, Reason reason, String detail, String failedTarget) {
        this(node, namespace, vmi, reason, detail, failedTarget, null);
    }

    public enum Reason {
        NotMigratable(false), NoCompatibleTarget(false), NoSafeTarget(false),
        MigrationFailed(true), MigrationTimedOut(true);

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
