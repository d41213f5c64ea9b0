package io.drainpilot.app;

import io.drainpilot.alert.AlertEvents;
import io.drainpilot.alert.ProblemReporter;
import io.drainpilot.alert.WebhookPayload;
import io.drainpilot.config.Durations;
import io.drainpilot.config.Settings;
import io.drainpilot.drain.DrainRelease;
import io.drainpilot.drain.DrainScanner;
import io.drainpilot.drain.DrainTrigger;
import io.drainpilot.harvester.HarvesterConductor;
import io.drainpilot.drain.NodeEvacuation;
import io.drainpilot.kubevirt.ClusterApi;
import io.drainpilot.kubevirt.WriteFence;
import io.drainpilot.view.ClusterView;
import io.drainpilot.work.NodeQueue;
import io.drainpilot.leader.LeaderElection;
import io.drainpilot.observe.DrainMetrics;
import io.drainpilot.observe.KubernetesApiHealthCheck;
import io.drainpilot.observe.MicrometerDrainMetrics;
import io.drainpilot.observe.StatusBoard;
import io.drainpilot.observe.StatusJson;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.health.HealthCheckRegistry;
import io.drainpilot.migrate.MigrationRequester;
import io.drainpilot.migrate.MigrationTracker;
import io.drainpilot.recover.Recovery;
import io.drainpilot.recover.Restarter;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.Registry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;

/**
 * Binds the beans the YAML routes call. Runs before the routes start: checks every setting first, then
 * connects with the shared KubernetesClient (one bound in the registry already, as the demo and tests do,
 * or fabric8's defaults: KUBECONFIG, ~/.kube/config, in-cluster service account, KUBERNETES_MASTER).
 */
public class DrainPilotConfiguration implements CamelConfiguration {
    private static final Logger LOG = LoggerFactory.getLogger(DrainPilotConfiguration.class);
    public static final String CLIENT = "kubernetesClient";
    /** The evaluation queue's endpoint (routes/scan.camel.yaml, route node-events). */
    static final String NODE_QUEUE_URI = "seda:drainpilot-nodes";
    /** The Harvester conductor's queue (routes/harvester-upgrade.camel.yaml). */
    static final String UPGRADE_QUEUE_URI = "seda:drainpilot-upgrade";
    /** How long an evaluation waits for the first list of a node's VMIs before it gives up (and is retried). */
    static final java.time.Duration VMI_SYNC_TIMEOUT = java.time.Duration.ofSeconds(20);

    @Override
    public void configure(CamelContext context) throws Exception {
        Settings settings = Settings.load(key -> context.getPropertiesComponent().resolveProperty(key).orElse(null));
        Registry registry = context.getRegistry();
        KubernetesClient client = registry.lookupByNameAndType(CLIENT, KubernetesClient.class);
        if (client == null) {
            client = defaultClient();
            registry.bind(CLIENT, client);
            KubernetesClient created = client;
            context.addLifecycleStrategy(new org.apache.camel.support.LifecycleStrategySupport() {
                @Override
                public void onContextStopped(CamelContext ctx) {
                    created.close();
                }
            });
        }
        LOG.info("DrainPilot connecting to {}{}", client.getMasterUrl(), settings.dryRun ? " (dry run: no changes)" : "");
        WriteFence fence = LeaderElection.configure(context, client, settings);
        if (metricsEnabled(context) && registry.findSingleByType(DrainMetrics.class) == null) {
            // bound before the other beans so bind() hands it to the stages; Camel creates the MeterRegistry later
            registry.bind("drainMetrics", new MicrometerDrainMetrics(() -> meterRegistry(context)));
        }
        ClusterApi api = new ClusterApi(client, settings.dryRun, fence);
        ClusterView view = new ClusterView(api, settings, VMI_SYNC_TIMEOUT);
        NodeQueue queue = bind(registry, api, view, settings);
        NodeQueue upgradeQueue = registry.lookupByNameAndType("upgradeQueue", NodeQueue.class);
        // readiness: the API server answers and the view has its first lists (Camel's routes check adds "routes started")
        registry.bind("kubernetesApiHealthCheck", new KubernetesApiHealthCheck(api, settings.healthApiTimeout, view::notSynced));
        DrainMetrics metrics = registry.findSingleByType(DrainMetrics.class);
        view.start();
        context.addLifecycleStrategy(new org.apache.camel.support.LifecycleStrategySupport() {
            @Override
            public void onContextStarted(CamelContext ctx) {
                HealthCheckRegistry health = HealthCheckRegistry.get(ctx);
                if (health != null) {
                    health.register(registry.lookupByNameAndType("kubernetesApiHealthCheck", KubernetesApiHealthCheck.class));
                }
                if (metrics instanceof MicrometerDrainMetrics m && m.registry() == null) {
                    LOG.warn("camel.metrics.enabled is true but no MeterRegistry was found: DrainPilot metrics are off");
                }
                // watch events reach the evaluation queue from now on (the scan timer covers what came before)
                org.apache.camel.ProducerTemplate template = ctx.createProducerTemplate();
                queue.connect(node -> template.sendBody(NODE_QUEUE_URI, node));
                upgradeQueue.connect(look -> template.sendBody(UPGRADE_QUEUE_URI, look));
                LOG.info(startedLine(ctx, settings, harvesterMode(view, registry)));
            }

            @Override
            public void onContextStopping(CamelContext ctx) {
                queue.connect(null);
                upgradeQueue.connect(null);
                view.close();
            }
        });
    }

    /** What an operator wants to see once: that it runs, how often it looks, and where to look at it. */
    /** The Harvester mode for the startup line: the view's first lists are waited for briefly, to say it right. */
    private static String harvesterMode(ClusterView view, Registry registry) {
        try {
            if (!view.awaitSynced(java.time.Duration.ofSeconds(5))) {
                return "decided once the cluster is read";
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return registry.lookupByNameAndType("harvesterConductor", HarvesterConductor.class).mode().describe();
    }

    static String startedLine(CamelContext context, Settings settings, String harvester) {
        java.util.function.Function<String, String> property =
                key -> context.getPropertiesComponent().resolveProperty(key).orElse("").trim();
        boolean management = !"false".equalsIgnoreCase(property.apply("camel.management.enabled"));
        String observe = (management && "true".equalsIgnoreCase(property.apply("camel.management.healthCheckEnabled"))
                ? ", health /observe/health" : "")
                + (management && "true".equalsIgnoreCase(property.apply("camel.management.metricsEnabled"))
                ? ", metrics /observe/metrics" : "");
        return "DrainPilot started: " + context.getRoutes().size() + " routes, scan every "
                + Durations.format(settings.scanPeriod) + ", await every " + Durations.format(settings.awaitPeriod)
                + (settings.dryRun ? ", dry run (no changes)" : "")
                + (settings.leaderEnabled ? ", leader election on (only the leader scans)" : "")
                + "; Harvester upgrades: " + harvester
                + "; status http://<host>:" + property.apply("camel.server.port") + "/drainpilot/" + observe;
    }

    private static boolean metricsEnabled(CamelContext context) {
        return "true".equalsIgnoreCase(context.getPropertiesComponent().resolveProperty("camel.metrics.enabled").orElse("false").trim());
    }

    /** The registry Camel Main serves at /observe/metrics (camel-micrometer-prometheus). */
    static MeterRegistry meterRegistry(CamelContext context) {
        MeterRegistry r = context.getRegistry().lookupByNameAndType("metricsRegistry", MeterRegistry.class);
        if (r == null) {
            r = context.getRegistry().findSingleByType(io.micrometer.prometheusmetrics.PrometheusMeterRegistry.class);
        }
        return r != null ? r : context.getRegistry().findSingleByType(MeterRegistry.class);
    }

    /**
     * fabric8's defaults (KUBECONFIG, ~/.kube/config, service account, KUBERNETES_MASTER), with fewer retries inside
     * each request: the routes retry API errors with backoff themselves, and a scan must not hang for minutes on an
     * unreachable API server. TLS verification stays as configured (on unless the kubeconfig says otherwise).
     */
    static KubernetesClient defaultClient() {
        Config config = Config.autoConfigure(null);
        if (System.getenv("KUBERNETES_REQUEST_RETRY_BACKOFFLIMIT") == null) {
            config.setRequestRetryBackoffLimit(1);
        }
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    /** Every bean the routes name, built from one API access layer, the cluster view and one set of settings. */
    public static NodeQueue bind(Registry registry, ClusterApi api, ClusterView view, Settings settings) {
        Clock clock = Clock.systemUTC();
        DrainMetrics metrics = registry.findSingleByType(DrainMetrics.class) == null ? DrainMetrics.NONE
                : registry.findSingleByType(DrainMetrics.class);
        StatusBoard board = new StatusBoard();
        ProblemReporter problems = new ProblemReporter(api, settings.events);
        NodeQueue queue = new NodeQueue();
        NodeQueue upgradeQueue = new NodeQueue();
        DrainScanner scanner = new DrainScanner(view, api, settings, problems, board, metrics);
        NodeEvacuation evacuation = new NodeEvacuation(view, api, settings, problems, board, clock, scanner::draining);
        scanner.trimWatchesOf(evacuation);
        view.listen(new DrainTrigger(view, queue, upgradeQueue, scanner::draining));
        metrics.board(board);
        registry.bind("drainMetrics", metrics);
        registry.bind("statusBoard", board);
        registry.bind("statusJson", new StatusJson(board));
        registry.bind("settings", settings);
        registry.bind("clusterApi", api);
        registry.bind("clusterView", view);
        registry.bind("nodeQueue", queue);
        registry.bind("upgradeQueue", upgradeQueue);
        registry.bind("harvesterConductor", new HarvesterConductor(view, api, settings, board));
        registry.bind("drainScanner", scanner);
        registry.bind("nodeEvacuation", evacuation);
        registry.bind("drainRelease", new DrainRelease(api, settings));
        registry.bind("migrationRequester", new MigrationRequester(api, settings, metrics));
        registry.bind("migrationTracker", new MigrationTracker(view, api, settings, clock, metrics));
        registry.bind("recovery", new Recovery(view, api, settings, clock, metrics));
        registry.bind("restarter", new Restarter(view, api));
        registry.bind("alertEvents", new AlertEvents(view, api, settings.events, metrics));
        registry.bind("webhookPayload", new WebhookPayload(settings.webhookFormat));
        return queue;
    }
}
