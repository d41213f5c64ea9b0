package io.drainpilot.config;

import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * How every mode (run, dry run, preflight) connects: fabric8's defaults (KUBECONFIG, ~/.kube/config, the in-cluster
 * service account, KUBERNETES_MASTER) with the same client settings, and the two messages an operator needs before
 * anything else: no cluster configuration at all, or an API server that does not answer.
 */
public final class ClusterConnection {
    /** Where a pod's service account token is mounted. */
    public static final Path SERVICE_ACCOUNT_TOKEN = Path.of("/var/run/secrets/kubernetes.io/serviceaccount/token");

    private ClusterConnection() {
    }

    /**
     * fabric8's defaults, with fewer retries inside each request: the routes retry API errors with backoff
     * themselves, and a scan must not hang for minutes on an unreachable API server. TLS verification stays as
     * configured (on unless the kubeconfig says otherwise).
     */
    public static KubernetesClient defaultClient() {
        Config config = Config.autoConfigure(null);
        if (System.getenv("KUBERNETES_REQUEST_RETRY_BACKOFFLIMIT") == null) {
            config.setRequestRetryBackoffLimit(1);
        }
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    /**
     * Empty when fabric8 will find a cluster to talk to; else what is missing. fabric8 itself falls back to
     * https://kubernetes.default.svc, which outside a pod only ends in a name-resolution error.
     */
    public static Optional<String> missingConfiguration(Function<String, String> env, Path home, Path serviceAccountToken) {
        String kubeconfig = env.apply("KUBECONFIG");
        if (kubeconfig != null && !kubeconfig.isBlank()) {
            for (String f : kubeconfig.split(java.io.File.pathSeparator)) {
                if (!f.isBlank() && Files.isRegularFile(Path.of(f))) {
                    return Optional.empty();
                }
            }
            return Optional.of("no cluster configuration: KUBECONFIG is set to " + kubeconfig
                    + " but no such file exists");
        }
        if (present(env.apply("KUBERNETES_MASTER")) || present(System.getProperty("kubernetes.master"))
                || Files.isRegularFile(home.resolve(".kube").resolve("config"))
                || (present(env.apply("KUBERNETES_SERVICE_HOST")) && Files.isRegularFile(serviceAccountToken))) {
            return Optional.empty();
        }
        return Optional.of("no cluster configuration found: set KUBECONFIG, create " + home.resolve(".kube/config")
                + ", or run in a pod with a service account (java -jar target/drainpilot.jar --demo needs no cluster)");
    }

    public static Optional<String> missingConfiguration() {
        return missingConfiguration(System::getenv, Path.of(System.getProperty("user.home", "/")), SERVICE_ACCOUNT_TOKEN);
    }

    /**
     * Empty when the API server answers a one-node list within {@code timeout}; else one sentence saying what went
     * wrong (unreachable, timed out, refused the credentials, no permission).
     */
    public static Optional<String> unreachable(KubernetesClient client, Duration timeout) {
        String where = "the Kubernetes API server at " + client.getMasterUrl();
        try {
            CompletableFuture.supplyAsync(() -> client.nodes().list(new ListOptionsBuilder().withLimit(1L).build()))
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return Optional.empty();
        } catch (TimeoutException e) {
            return Optional.of(where + " did not answer within " + Durations.format(timeout));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of(where + ": interrupted");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof KubernetesClientException k && (k.getCode() == 401 || k.getCode() == 403)) {
                return Optional.of(where + " refused DrainPilot's credentials (HTTP " + k.getCode()
                        + "): check the kubeconfig or the service account and its RBAC");
            }
            Throwable root = cause;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            return Optional.of(where + " is unreachable: " + root.getClass().getSimpleName()
                    + (root.getMessage() == null ? "" : ": " + SecretText.redactUrls(root.getMessage())));
        }
    }

    private static boolean present(String s) {
        return s != null && !s.isBlank();
    }
}
