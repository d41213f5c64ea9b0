package io.drainpilot.faults;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.drainpilot.app.DrainPilotRuntime;
import io.drainpilot.names.Names;
import io.drainpilot.work.EvacuationSummary;
import io.drainpilot.flow.Harness;
import io.drainpilot.kubevirt.VirtualMachine;
import io.drainpilot.kubevirt.VirtualMachineInstance;
import io.drainpilot.kubevirt.VirtualMachineInstanceMigration;
import io.drainpilot.sim.Scenario;
import io.drainpilot.sim.SimSettings;
import io.drainpilot.sim.SimulatedCluster;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.Exchange;
import org.apache.camel.support.EventNotifierSupport;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A simulated cluster plus DrainPilot processes for fault tests, with the observers the invariants need:
 * <ul>
 * <li>an observer client (User-Agent {@value #OBSERVER_AGENT}, exempt from faults) for the test's own reads;</li>
 * <li>a sampler that lists VMIMs every 25 ms and records any moment with two non-final, non-deleted migrations for
 * one VMI (the simulator's admission makes that impossible to create, so the sampler guards the guard);</li>
 * <li>an {@link org.apache.camel.spi.EventNotifier} on every DrainPilot context counting {@code ExchangeFailedEvent}s:
 * Camel fires it when an exchange completes with its exception still set, i.e. neither the dead-letter channel nor an
 * {@code onException} handled it (a handled failure fires {@code ExchangeFailureHandledEvent} and completes as
 * {@code ExchangeCompletedEvent});</li>
 * <li>a logback appender on {@code io.drainpilot.alert} (the ALERT lines) and on {@code org.apache.camel} ERROR
 * lines (an exception thrown inside the dead-letter processing itself is logged there and swallowed).</li>
 * </ul>
 */
final class FaultHarness implements AutoCloseable {
    static final String OBSERVER_AGENT = "drainpilot-test";
    /** DrainPilot's client gives up after this; dropped answers are delayed beyond it. */
    static final Duration CLIENT_TIMEOUT = Duration.ofMillis(500);

    final SimulatedCluster cluster;
    final KubernetesClient kube;
    private final List<DrainPilotRuntime> processes = new ArrayList<>();
    private final List<KubernetesClient> clients = new ArrayList<>();
    final List<String> alerts = new CopyOnWriteArrayList<>();
    final List<String> camelErrors = new CopyOnWriteArrayList<>();
    final List<String> escaped = new CopyOnWriteArrayList<>();
    final List<String> duplicates = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
    private final AppenderBase<ILoggingEvent> appender;

    FaultHarness(Scenario scenario) {
        cluster = SimulatedCluster.start(scenario, SimSettings.forTests());
        kube = client(OBSERVER_AGENT, Duration.ofSeconds(10), 0);
        appender = new AppenderBase<>() {
            @Override
            protected void append(ILoggingEvent e) {
                if (e.getLoggerName().equals("io.drainpilot.alert") && e.getFormattedMessage().startsWith("ALERT ")) {
                    alerts.add(e.getFormattedMessage());
                } else if (e.getLoggerName().startsWith("org.apache.camel") && e.getLevel().isGreaterOrEqual(Level.ERROR)) {
                    camelErrors.add(e.getLoggerName() + ": " + e.getFormattedMessage());
                }
            }
        };
        appender.start();
        ch.qos.logback.classic.Logger root = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.addAppender(appender);
        sampler.scheduleWithFixedDelay(this::sample, 0, 25, TimeUnit.MILLISECONDS);
    }

    /**
     * @param clientRetries fabric8's own per-request retries (5xx, 429, I/O errors), as in production where
     *                      DrainPilot builds its client with fabric8's defaults (limit 10, 100 ms doubling); 0 as the
     *                      flow tests' Harness does, leaving every retry to Camel's redelivery
     */
    KubernetesClient client(String agent, Duration timeout, int clientRetries) {
        Config config = new ConfigBuilder(Config.empty()).withMasterUrl(cluster.masterUrl()).withTrustCerts(true)
                .withNamespace("default").withUserAgent(agent).withRequestRetryBackoffLimit(clientRetries)
                .withRequestRetryBackoffInterval(100)
                .withRequestTimeout((int) timeout.toMillis()).withConnectionTimeout((int) timeout.toMillis()).build();
        KubernetesClient c = new KubernetesClientBuilder().withConfig(config).build();
        clients.add(c);
        return c;
    }

    /** fabric8's defaults for DrainPilot's client: 10 retries from 100 ms (Config.DEFAULT_REQUEST_RETRY_*). */
    static final int PRODUCTION_CLIENT_RETRIES = 10;

    DrainPilotRuntime start(Map<String, String> overrides) {
        return start(overrides, PRODUCTION_CLIENT_RETRIES);
    }

    DrainPilotRuntime start(Map<String, String> overrides, int clientRetries) {
        Map<String, String> all = Harness.fastSettings();
        // a free management port per process, as Harness does: a port still taken stops startup
        all.put("camel.management.port", String.valueOf(Harness.freePort()));
        all.putAll(overrides);
        DrainPilotRuntime rt = DrainPilotRuntime.create(Path.of("config/application.properties"), all,
                client("drainpilot", CLIENT_TIMEOUT, clientRetries)).start();
        var ctx = rt.context();
        EventNotifierSupport notifier = new EventNotifierSupport() {
            @Override
            public void notify(CamelEvent event) {
                if (event instanceof CamelEvent.ExchangeFailedEvent f) {
                    Exchange x = f.getExchange();
                    java.io.StringWriter trace = new java.io.StringWriter();
                    if (x.getException() != null) {
                        x.getException().printStackTrace(new java.io.PrintWriter(trace));
                    }
                    escaped.add(x.getFromRouteId() + ": " + x.getException() + "\n" + trace);
                }
            }
        };
        notifier.setIgnoreCamelContextEvents(true);
        notifier.setIgnoreRouteEvents(true);
        notifier.setIgnoreServiceEvents(true);
        notifier.setIgnoreExchangeCreatedEvent(true);
        notifier.setIgnoreExchangeSendingEvents(true);
        notifier.setIgnoreExchangeSentEvents(true);
        notifier.setIgnoreExchangeRedeliveryEvents(true);
        notifier.setIgnoreStepEvents(true);
        ctx.getManagementStrategy().addEventNotifier(notifier);
        ctx.getCamelContextExtension().setEventNotificationApplicable(true);
        try {
            notifier.start();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        processes.add(rt);
        return rt;
    }

    void stop(DrainPilotRuntime rt) {
        rt.close();
        processes.remove(rt);
    }

    private void sample() {
        try {
            Map<String, Long> inFlight = kube.resources(VirtualMachineInstanceMigration.class).inAnyNamespace().list()
                    .getItems().stream()
                    .filter(m -> !m.phase().isFinal() && m.getMetadata().getDeletionTimestamp() == null)
                    .collect(Collectors.groupingBy(m -> m.getMetadata().getNamespace() + "/" + m.vmiName(),
                            Collectors.counting()));
            inFlight.forEach((vmi, n) -> {
                if (n > 1) {
                    duplicates.add(vmi + " had " + n + " migrations in flight");
                }
            });
        } catch (RuntimeException e) {
            // the cluster is closing
        }
    }

    void requestDrain(String node) {
        kube.nodes().withName(node).edit(n -> {
            if (n.getMetadata().getAnnotations() == null) {
                n.getMetadata().setAnnotations(new HashMap<>());
            }
            n.getMetadata().getAnnotations().put(Names.DRAIN_REQUESTED, "true");
            return n;
        });
    }

    String evacuation(String node) {
        Node n = kube.nodes().withName(node).get();
        Map<String, String> a = n.getMetadata().getAnnotations();
        return a == null ? null : a.get(Names.EVACUATION);
    }

    EvacuationSummary summary(String node) {
        Map<String, String> a = kube.nodes().withName(node).get().getMetadata().getAnnotations();
        return a == null ? null : EvacuationSummary.parse(a.get(Names.EVACUATION_SUMMARY));
    }

    List<Event> drainPilotEvents() {
        return kube.v1().events().inAnyNamespace().list().getItems().stream()
                .filter(e -> e.getReason() != null && e.getReason().startsWith("DrainPilot")).toList();
    }

    boolean alertedAboutNode(String node) {
        return alerts.stream().anyMatch(a -> a.contains(" on " + node + ":") || a.contains("node " + node + ":"))
                || drainPilotEvents().stream().anyMatch(e -> e.getInvolvedObject() != null
                && "Node".equals(e.getInvolvedObject().getKind()) && node.equals(e.getInvolvedObject().getName()));
    }

    boolean alertedAboutVm(String ns, String vm) {
        return alerts.stream().anyMatch(a -> a.contains(ns + "/" + vm + " on "))
                || drainPilotEvents().stream().anyMatch(e -> e.getInvolvedObject() != null
                && ns.equals(e.getInvolvedObject().getNamespace()) && vm.equals(e.getInvolvedObject().getName()));
    }

    /** An alert that says DrainPilot stopped this VM (action shutdown-restart), in the log or as an Event. */
    boolean alertedStopped(String ns, String vm) {
        return alerts.stream().anyMatch(a -> a.contains(ns + "/" + vm + " on ") && a.endsWith("-> shutdown-restart"))
                || drainPilotEvents().stream().anyMatch(e -> e.getInvolvedObject() != null
                && ns.equals(e.getInvolvedObject().getNamespace()) && vm.equals(e.getInvolvedObject().getName())
                && io.drainpilot.alert.AlertEvents.eventReason("shutdown-restart").equals(e.getReason()));
    }

    List<VirtualMachine> vms() {
        return kube.resources(VirtualMachine.class).inAnyNamespace().list().getItems();
    }

    List<VirtualMachineInstance> vmis() {
        return kube.resources(VirtualMachineInstance.class).inAnyNamespace().list().getItems();
    }

    Set<String> finalStates() {
        return Set.of(Names.COMPLETED, Names.BLOCKED);
    }

    @Override
    public void close() {
        sampler.shutdownNow();
        processes.forEach(DrainPilotRuntime::close);
        ch.qos.logback.classic.Logger root = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.detachAppender(appender);
        clients.forEach(KubernetesClient::close);
        cluster.close();
    }
}
