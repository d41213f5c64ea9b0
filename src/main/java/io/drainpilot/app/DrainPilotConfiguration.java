package io.drainpilot.app;

import io.drainpilot.alert.AlertEvents;
import io.drainpilot.alert.ProblemReporter;
import io.drainpilot.alert.WebhookPayload;
import io.drainpilot.config.ClusterConnection;
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
import io.drainpilot.work.NodeStatus;
import io.drainpilot.leader.LeaderElection;
import io.drainpilot.observe.DrainMetrics;
import io.drainpilot.observe.KubernetesApiHealthCheck;
import io.drainpilot.observe.MicrometerDrainMetrics;
import io.drainpilot.observe.ScanCompletions;
import io.drainpilot.observe.StatusBoard;
import io.drainpilot.observe.StatusJson;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.health.HealthCheckRegistry;
import io.drainpilot.migrate.MigrationRequester;
import io.drainpilot.migrate.MigrationTracker;
import io.drainpilot.recover.Recovery;
import io.drainpilot.recover.Restarter;
import io.fabric8.kubernetes.client.KubernetesClient;
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
        java.util.function.Function<String, String> property =
                key -> context.getPropertiesComponent().resolveProperty(key).orElse(null);
        Settings settings = Settings.load(key -> GENERATOR_URL.equals(key) ? generatorUrl(property) : property.apply(key));
        String routes = property.apply("camel.main.routesIncludePattern");
        if (routes != null) {
            RouteFiles.check(routes); // no route files, or a stage missing: stop here, saying which
        }
        Registry registry = context.getRegistry();
        KubernetesClient client = registry.lookupByNameAndType(CLIENT, KubernetesClient.class);
        KubernetesClient created = null;
        if (client == null) {
            client = defaultClient();
            created = client;
            registry.bind(CLIENT, client);
            KubernetesClient toClose = client;
            context.addLifecycleStrategy(new org.apache.camel.support.LifecycleStrategySupport() {
                @Override
                public void onContextStopped(CamelContext ctx) {
                    toClose.close();
                }
            });
        }
        LOG.info("DrainPilot {} connecting to {}{}", io.drainpilot.config.BuildVersion.current(), client.getMasterUrl(),
                settings.dryRun ? " (dry run: no changes)" : "");
        refuseATakenManagementPort(context);
        if (created != null) {
            // said once and clearly; the process goes on (not ready) and every evaluation tries again
            ClusterConnection.unreachable(created, settings.healthApiTimeout).ifPresent(problem ->
                    LOG.error("{}; DrainPilot keeps trying and is not ready until it answers", problem));
        }
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
        observeLeadership(context, settings, metrics);
        registry.lookupByNameAndType("statusJson", StatusJson.class).leadership(() -> !settings.leaderEnabled
                ? StatusJson.Leadership.SINGLE
                : new StatusJson.Leadership(fence.mayWrite() ? StatusJson.Role.LEADER : StatusJson.Role.FOLLOWER,
                        LeaderElection.leader(context, settings.leaderGroup).orElse(null)));
        context.getManagementStrategy().addEventNotifier(new ScanCompletions(metrics, Clock.systemUTC()));
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

    /**
     * A second process on the same management port must not start: it would answer probes and show the status page
     * of the first one. Checked by binding the address once before Camel's HTTP server does.
     */
    static void refuseATakenManagementPort(CamelContext context) {
        java.util.function.Function<String, String> property =
                key -> context.getPropertiesComponent().resolveProperty(key).orElse("").trim();
        if ("false".equalsIgnoreCase(property.apply("camel.management.enabled"))) {
            return;
        }
        String host = property.apply("camel.management.host").isEmpty() ? "0.0.0.0" : property.apply("camel.management.host");
        int port;
        try {
            port = Integer.parseInt(property.apply("camel.management.port"));
        } catch (NumberFormatException e) {
            throw new io.drainpilot.config.InvalidSettingException("Invalid setting camel.management.port=\""
                    + property.apply("camel.management.port") + "\": allowed: a port number (env CAMEL_MANAGEMENT_PORT)");
        }
        try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
            // as a server binds: connections of an earlier process in TIME_WAIT do not count, a listener does
            probe.setReuseAddress(true);
            probe.bind(new java.net.InetSocketAddress(host, port));
        } catch (java.io.IOException e) {
            throw new io.drainpilot.config.InvalidSettingException("management port " + port + " on " + host
                    + " is already in use (another DrainPilot?): stop that process, or set CAMEL_MANAGEMENT_PORT"
                    + " (camel.management.port) to a free port");
        }
    }

    private static final String GENERATOR_URL = "drainpilot.alert.webhook.generator-url";

    /** The configured generatorURL, or this process's status page (its host name and management port). */
    static String generatorUrl(java.util.function.Function<String, String> property) {
        String configured = property.apply(GENERATOR_URL);
        if (configured != null && !configured.isBlank()) {
            return configured.trim();
        }
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            host = "localhost";
        }
        String port = property.apply("camel.management.port");
        return "http://" + host + ":" + (port == null ? "9876" : port.trim()) + "/drainpilot/";
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
        return "DrainPilot " + io.drainpilot.config.BuildVersion.current() + " started: " + context.getRoutes().size() + " routes, scan every "
                + Durations.format(settings.scanPeriod) + ", await every " + Durations.format(settings.awaitPeriod)
                + (settings.dryRun ? ", dry run (no changes)" : "")
                + (settings.leaderEnabled ? ", leader election on (only the leader scans)" : "")
                + "; Harvester upgrades: " + harvester
                + "; status http://<host>:" + property.apply("camel.server.port") + "/drainpilot/" + observe;
    }

    /** drainpilot_leader follows the Lease (or is 1 without leader election: this process is the only one). */
    private static void observeLeadership(CamelContext context, Settings settings, DrainMetrics metrics) throws Exception {
        if (!settings.leaderEnabled) {
            metrics.leader(true);
            return;
        }
        metrics.leader(false);
        org.apache.camel.cluster.CamelClusterService service =
                context.hasService(org.apache.camel.cluster.CamelClusterService.class);
        if (service != null) {
            service.getView(settings.leaderGroup).addEventListener(
                    (org.apache.camel.cluster.CamelClusterEventListener.Leadership) (view, leader) ->
                            metrics.leader(leader != null && leader.isLocal()));
        }
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

    /** fabric8's defaults with DrainPilot's client settings, the same in every mode ({@link ClusterConnection}). */
    static KubernetesClient defaultClient() {
        return ClusterConnection.defaultClient();
    }

    /** Every bean the routes name, built from one API access layer, the cluster view and one set of settings. */
    public static NodeQueue bind(Registry registry, ClusterApi api, ClusterView view, Settings settings) {
        Clock clock = Clock.systemUTC();
        DrainMetrics metrics = registry.findSingleByType(DrainMetrics.class) == null ? DrainMetrics.NONE
                : registry.findSingleByType(DrainMetrics.class);
        StatusBoard board = new StatusBoard();
        ProblemReporter problems = new ProblemReporter(api, settings.events);
        NodeStatus status = new NodeStatus(api, clock);
        NodeQueue queue = new NodeQueue();
        NodeQueue upgradeQueue = new NodeQueue();
        DrainScanner scanner = new DrainScanner(view, api, settings, problems, board, metrics);
        // what finished migrations have shown: fed by the await stage, read by the evacuation's estimate
        io.drainpilot.work.TransferRates rates = new io.drainpilot.work.TransferRates();
        NodeEvacuation evacuation = new NodeEvacuation(view, api, status, settings, problems, board, clock, scanner::draining,
                rates);
        scanner.trimWatchesOf(evacuation);
        view.listen(new DrainTrigger(view, queue, upgradeQueue, scanner::draining));
        metrics.board(board);
        registry.bind("drainMetrics", metrics);
        registry.bind("statusBoard", board);
        io.drainpilot.work.ProgressBoard progress = new io.drainpilot.work.ProgressBoard();
        registry.bind("progressBoard", progress);
        registry.bind("progressWatch", new io.drainpilot.progress.ProgressWatch(view, progress, settings, metrics, clock));
        StatusJson statusJson = new StatusJson(board, settings.dryRun, view::nodes, scanner::signalsOf);
        statusJson.namespace(settings.leaderNamespace);
        statusJson.progress(progress);
        registry.bind("statusJson", statusJson);
        registry.bind("settings", settings);
        registry.bind("clusterApi", api);
        registry.bind("clusterView", view);
        registry.bind("nodeQueue", queue);
        registry.bind("upgradeQueue", upgradeQueue);
        registry.bind("harvesterConductor", new HarvesterConductor(view, api, settings, board));
        registry.bind("drainScanner", scanner);
        registry.bind("nodeCordon", new io.drainpilot.drain.NodeCordon(view, api, settings));
        registry.bind("nodeGone", new io.drainpilot.drain.NodeGone(view, api, status, scanner, evacuation));
        registry.bind("nodeEvacuation", evacuation);
        registry.bind("drainRelease", new DrainRelease(view, api, status, settings));
        registry.bind("drainReports", new io.drainpilot.drain.DrainReports(view, api, status, scanner, board, settings, clock));
        registry.bind("evacuationCancel", new io.drainpilot.drain.EvacuationCancelStep(view, api));
        registry.bind("alertNoter", new io.drainpilot.alert.AlertNoter(view, api));
        registry.bind("migrationRequester", new MigrationRequester(api, settings, metrics, view::node));
        registry.bind("migrationTracker", new MigrationTracker(view, api, status, settings, clock, metrics, progress, rates));
        registry.bind("recovery", new Recovery(view, api, status, settings, clock, metrics));
        registry.bind("restarter", new Restarter(view, api, settings.restartTimeout, clock));
        registry.bind("alertEvents", new AlertEvents(view, api, settings.events, metrics));
        io.drainpilot.alert.AlertmanagerFeed feed = new io.drainpilot.alert.AlertmanagerFeed(view, api, clock,
                settings.webhookRepeatInterval, settings.webhookGeneratorUrl);
        registry.bind("alertmanagerFeed", feed);
        registry.bind("webhookPayload", new WebhookPayload(settings.webhookFormat, feed));
        registry.bind("webhookFailure", new io.drainpilot.alert.WebhookFailure());
        return queue;
    }
}
