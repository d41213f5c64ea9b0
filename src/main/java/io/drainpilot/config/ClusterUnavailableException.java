package io.drainpilot.config;

/** No cluster configuration, or an API server that does not answer: the message says which and what to do. */
public class ClusterUnavailableException extends RuntimeException {
    public ClusterUnavailableException(String message) {
        super(message);
    }
}
