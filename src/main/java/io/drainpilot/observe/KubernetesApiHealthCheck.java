package io.drainpilot.observe;

import io.drainpilot.kubevirt.ClusterApi;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

import java.time.Duration;
import java.util.Map;

/**
 * Readiness: DrainPilot is ready when the Kubernetes API server answers a one-node list within the timeout
 * ({@code drainpilot.health.api-timeout}) and the cluster view has its first lists (no decision before that). Camel's own routes check covers "routes started"; both are behind
 * {@code /observe/health/ready}. Not a liveness check: an API server outage must not restart DrainPilot.
 */
public class KubernetesApiHealthCheck extends AbstractHealthCheck {
    public static final String ID = "kubernetes-api";

    private final ClusterApi api;
    private final Duration timeout;
    private final java.util.function.Supplier<String> notSynced;

    /** @param notSynced what the cluster view still waits for (its first lists), empty when it has all */
    public KubernetesApiHealthCheck(ClusterApi api, Duration timeout, java.util.function.Supplier<String> notSynced) {
        super("drainpilot", ID);
        this.api = api;
        this.timeout = timeout;
        this.notSynced = notSynced;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    public boolean isReadiness() {
        return true;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        try {
            api.probe(timeout);
            String waiting = notSynced.get();
            if (!waiting.isEmpty()) {
                builder.message("cluster view not ready: " + waiting).down();
                return;
            }
            builder.up();
        } catch (java.util.concurrent.TimeoutException e) {
            builder.message("Kubernetes API server did not answer within " + timeout.toMillis() + " ms").down();
        } catch (Exception e) {
            Throwable cause = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null ? e.getCause() : e;
            builder.message("Kubernetes API server not reachable: " + cause.getMessage()).error(cause).down();
        }
    }
}
