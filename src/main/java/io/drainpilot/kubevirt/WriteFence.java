package io.drainpilot.kubevirt;

/**
 * Whether this process may change the cluster right now. With several replicas only the current leader may: Camel
 * stops a follower's leader-only consumers, but an exchange already running goes on, so {@link ClusterApi} asks the
 * fence right before every write and refuses once leadership is gone.
 */
@FunctionalInterface
public interface WriteFence {
    /** A single process (no leader election): always allowed. */
    WriteFence ALWAYS = () -> true;

    boolean mayWrite();

    /** Thrown instead of a write this replica must not make; the exchange ends without writing. */
    final class NotLeaderException extends RuntimeException {
        public NotLeaderException(String what) {
            super("not the leader any more: did not " + what, null, false, false);
        }
    }
}
