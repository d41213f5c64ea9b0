package io.drainpilot.sim;

import io.drainpilot.kubevirt.KubeVirt;
import io.drainpilot.kubevirt.MigrationPolicy;
import io.drainpilot.kubevirt.VirtualMachine;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.kubevirt.VirtualMachineInstanceMigration;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Kubernetes API server on localhost (fabric8's CRUD mock behind {@link SimDispatcher}) holding a
 * {@link Scenario}, with a {@link KubeVirtSimulator} acting as KubeVirt's controllers and, for a scenario with a
 * Harvester upgrade, a {@link HarvesterUpgradeSimulator} acting as Harvester's and Rancher's.
 */
public final class SimulatedCluster implements AutoCloseable {
    private static final java.util.logging.Logger QUIET_MOCK_SERVER = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");
    private static final Logger LOG = LoggerFactory.getLogger(SimulatedCluster.class);

    private final KubernetesMockServer server;
    private final MockWebServer http;
    private final IndexedCrudStore store;
    private final SimDispatcher dispatcher;
    private final SimRecord record;
    private final KubeVirtSimulator simulator;
    private final HarvesterUpgradeSimulator harvester;
    private final KubernetesClient simulatorClient;
    private final String kubeVirtVersion;
    private PrometheusApi prometheus;

    private SimulatedCluster(Scenario scenario, SimSettings settings) {
        this.record = new SimRecord();
        this.kubeVirtVersion = scenario.kubeVirtVersion();
        this.store = new IndexedCrudStore(customResources(), settings.seed());
        this.dispatcher = new SimDispatcher(store, record, scenario.kubeVirtVersion());
        // the mock server logs every request through java.util.logging; only its warnings matter here
        QUIET_MOCK_SERVER.setLevel(java.util.logging.Level.WARNING);
        this.http = new MockWebServer();
        // the mock web server keeps every request it ever received for takeRequest(); nothing here reads them,
        // and in a long run (the demo, benchmarks) they would pile up
        dispatcher.afterEachRequest(() -> forgetRecordedRequests(http));
        this.server = new KubernetesMockServer(new Context(), http, new HashMap<>(), dispatcher, false);
        server.init();
        this.simulatorClient = client(SimDispatcher.SIM_USER_AGENT);
        try {
            new ScenarioWriter(simulatorClient).write(scenario);
        } catch (RuntimeException e) {
            simulatorClient.close();
            server.destroy();
            throw e;
        }
        this.simulator = new KubeVirtSimulator(simulatorClient, settings, record, scenario.kubeVirtEvacuation(),
                scenario.kubeVirtVersion());
        scenario.vms().stream().filter(vm -> vm.dirtyRateBytes() > 0)
                .forEach(vm -> simulator.setDirtyRate(vm.namespace(), vm.name(), vm.dirtyRateBytes()));
        this.harvester = scenario.harvester() == null ? null
                : new HarvesterUpgradeSimulator(simulatorClient, settings, scenario.harvester(), record);
        LOG.info("simulated cluster at {}: {} nodes, {} VMs, KubeVirt {}", masterUrl(), scenario.nodes().size(),
                scenario.vms().size(), scenario.kubeVirtVersion());
    }

    /** Starts the API server, writes the scenario and starts the simulator. */
    public static SimulatedCluster start(Scenario scenario, SimSettings settings) {
        SimulatedCluster cluster = new SimulatedCluster(scenario, settings);
        cluster.simulator.start();
        if (cluster.harvester != null) {
            cluster.harvester.start();
            if (scenario.harvester().startsAutomatically()) {
                cluster.harvester.startUpgrade();
            }
        }
        return cluster;
    }

    /** A fresh client of its own for the caller (DrainPilot, a test), pointed at this cluster. */
    public KubernetesClient newClient() {
        return client("drainpilot");
    }

    /** A client whose requests the record and interceptors can tell apart by {@code userAgent}. */
    public KubernetesClient newClient(String userAgent) {
        return client(userAgent);
    }

    public String masterUrl() {
        return "http://" + server.getHostName() + ":" + server.getPort() + "/";
    }

    public KubeVirtSimulator simulator() {
        return simulator;
    }

    public SimRecord record() {
        return record;
    }

    /** The simulated Harvester upgrade of a scenario built with {@link Scenario.Builder#harvester}. */
    public HarvesterUpgradeSimulator harvester() {
        if (harvester == null) {
            throw new IllegalStateException("this scenario simulates no Harvester upgrade");
        }
        return harvester;
    }

    /**
     * A Prometheus HTTP API on a port of its own serving virt-handler's migration metrics; started on the first
     * call, stopped with the cluster.
     */
    public synchronized PrometheusApi prometheus() {
        if (prometheus == null) {
            prometheus = new PrometheusApi(simulator::migrationSamples, kubeVirtVersion);
        }
        return prometheus;
    }

    /** For fault injection: requests pass through interceptors before the simulated API server handles them. */
    public SimDispatcher dispatcher() {
        return dispatcher;
    }

    /**
     * The API server's watches: end them (after a random lifetime, or all at once), compact the history they
     * resume from, count them. By default they behave as a real API server's (see {@link WatchHub}).
     */
    public WatchHub watches() {
        return store.watches();
    }

    /** The web server under the API; for the test that it does not hoard requests. */
    MockWebServer webServer() {
        return http;
    }

    @Override
    public void close() {
        if (harvester != null) {
            harvester.stop();
        }
        simulator.stop();
        synchronized (this) {
            if (prometheus != null) {
                prometheus.close();
            }
        }
        simulatorClient.close();
        server.destroy();
    }

    private static void forgetRecordedRequests(MockWebServer http) {
        try {
            while (http.takeRequest(0, TimeUnit.NANOSECONDS) != null) {
                // drop it
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private KubernetesClient client(String userAgent) {
        Config config = new ConfigBuilder(Config.empty()).withMasterUrl(masterUrl()).withTrustCerts(true)
                .withNamespace("default").withUserAgent(userAgent).withRequestRetryBackoffLimit(0).build();
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    private static List<CustomResourceDefinitionContext> customResources() {
        return List.of(
                // real KubeVirt CRDs: VMI has no status subresource, VM, VMIM and KubeVirt do
                crd(VirtualMachineInstance.class, false),
                crd(VirtualMachine.class, true),
                crd(VirtualMachineInstanceMigration.class, true),
                crd(KubeVirt.class, true),
                crd(MigrationPolicy.class, false),
                // Harvester's Upgrade CRD has no status subresource: its controllers write status with plain updates
                new CustomResourceDefinitionContext.Builder().withGroup("harvesterhci.io").withVersion("v1beta1")
                        .withKind(ScenarioWriter.HARVESTER_UPGRADE_KIND).withPlural("upgrades")
                        .withName("upgrades.harvesterhci.io").withScope("Namespaced").withStatusSubresource(false)
                        .build(),
                new CustomResourceDefinitionContext.Builder().withGroup("harvesterhci.io").withVersion("v1beta1")
                        .withKind(HarvesterNames.SETTING_KIND).withPlural("settings")
                        .withName("settings.harvesterhci.io").withScope("Cluster").withStatusSubresource(false)
                        .build(),
                new CustomResourceDefinitionContext.Builder().withGroup("provisioning.cattle.io").withVersion("v1")
                        .withKind(HarvesterNames.PROVISIONING_CLUSTER_KIND).withPlural("clusters")
                        .withName("clusters.provisioning.cattle.io").withScope("Namespaced").withStatusSubresource(true)
                        .build());
    }

    private static CustomResourceDefinitionContext crd(@SuppressWarnings("rawtypes") Class<? extends CustomResource> type, boolean status) {
        CustomResourceDefinitionContext base = CustomResourceDefinitionContext.fromCustomResourceType(type);
        return new CustomResourceDefinitionContext.Builder().withGroup(base.getGroup()).withVersion(base.getVersion())
                .withKind(base.getKind()).withPlural(base.getPlural()).withName(base.getName())
                .withScope(base.getScope()).withStatusSubresource(status).build();
    }
}
