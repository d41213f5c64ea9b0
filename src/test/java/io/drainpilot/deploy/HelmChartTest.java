package io.drainpilot.deploy;

import com.marcnuri.helm.LintResult;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Helm chart lints, renders, and says what the kustomize base says: the same RBAC (both checked against the
 * code by RbacCoversApiCallsTest), the same admission policies (both evaluated by AdmissionPoliciesTest), a value
 * for every setting of config/application.properties, and the routes of routes/.
 */
class HelmChartTest {
    private final List<Map<String, Object>> chart = HelmChart.rendered();

    @Test
    void lintsClean() {
        LintResult lint = HelmChart.lint();
        assertThat(lint.isFailed()).as("helm lint --strict: %s", lint.getMessages()).isFalse();
    }

    @Test
    void rbacAndPoliciesSayWhatTheKustomizeBaseSays() {
        List<Map<String, Object>> kustomize = Manifests.all();
        for (String kind : List.of("ClusterRole", "Role")) {
            assertThat(rulesByName(chart, kind)).as(kind + " rules, chart vs docker/kubernetes")
                    .isEqualTo(rulesByName(kustomize, kind));
        }
        assertThat(specsByName(chart, "ValidatingAdmissionPolicy"))
                .as("admission policies, chart vs docker/kubernetes/admission-policies.yaml")
                .isEqualTo(specsByName(kustomize, "ValidatingAdmissionPolicy"));
        assertThat(specsByName(chart, "ValidatingAdmissionPolicyBinding"))
                .isEqualTo(specsByName(kustomize, "ValidatingAdmissionPolicyBinding"));
    }

    private static Map<String, Object> rulesByName(List<Map<String, Object>> docs, String kind) {
        Map<String, Object> out = new TreeMap<>();
        Manifests.ofKind(docs, kind).forEach(d -> out.put(Manifests.namespace(d) + "/" + Manifests.name(d), d.get("rules")));
        return out;
    }

    private static Map<String, Object> specsByName(List<Map<String, Object>> docs, String kind) {
        Map<String, Object> out = new TreeMap<>();
        Manifests.ofKind(docs, kind).forEach(d -> out.put(Manifests.name(d), d.get("spec")));
        return out;
    }

    @Test
    void aValueForEverySetting() throws IOException {
        Properties props = new Properties();
        try (var in = Files.newInputStream(Path.of("config", "application.properties"))) {
            props.load(in);
        }
        Map<String, Object> values = Manifests.load(HelmChart.DIR.resolve("values.yaml")).get(0);
        Map<String, Object> config = Manifests.map(values, "config");
        // set by the chart itself: leader election and pod identity from the Deployment, the URL and the Prometheus token from Secrets,
        // the log format from jsonLogs
        Set<String> byTheChart = Set.of("drainpilot.leader.enabled", "drainpilot.leader.namespace",
                "drainpilot.leader.pod-name", "drainpilot.leader.pod-labels", "drainpilot.alert.webhook.url",
                "drainpilot.log.format", "drainpilot.progress.prometheus-token");
        Set<String> settings = props.stringPropertyNames().stream().filter(k -> k.startsWith("drainpilot."))
                .filter(k -> !byTheChart.contains(k)).collect(Collectors.toCollection(TreeSet::new));
        assertThat(new TreeSet<>(config.keySet())).as("values.yaml config vs config/application.properties")
                .isEqualTo(settings);
        List<String> differ = new ArrayList<>();
        settings.forEach(k -> {
            if (!props.getProperty(k).trim().equals(String.valueOf(config.get(k)))) {
                differ.add(k + ": " + config.get(k) + " in the chart, " + props.getProperty(k).trim() + " in the file");
            }
        });
        assertThat(differ).as("chart defaults").isEmpty();
    }

    @Test
    void settingsBecomeEnvironmentVariablesSoAChangeRollsThePods() {
        Map<String, Object> container = container(chart);
        Map<String, Object> env = new TreeMap<>();
        Manifests.list(container, "env").forEach(e -> env.put((String) e.get("name"), e.get("value")));
        assertThat(env).containsEntry("DRAINPILOT_LEADER_POD_LABELS",
                        "app.kubernetes.io/name=drainpilot,app.kubernetes.io/instance=drainpilot")
                .containsEntry("DRAINPILOT_POLL_PERIOD", "5s")
                .containsEntry("DRAINPILOT_SIGNAL_RANCHER_HOOK_NAMESPACE", "fleet-local")
                .containsEntry("DRAINPILOT_LEADER_ENABLED", "true");
        String changed = HelmChart.template(t -> t.set("config.drainpilot\\.poll\\.period", "9s"));
        Map<String, Object> other = container(Manifests.parse(changed));
        assertThat(Manifests.list(other, "env")).anyMatch(e -> "DRAINPILOT_POLL_PERIOD".equals(e.get("name"))
                && "9s".equals(e.get("value")));
    }

    @Test
    void routesConfigMapHoldsEveryRouteFileAndOverridesReplaceOne() throws IOException {
        Map<String, String> files = ConfigMapsMatchFilesTest.routeFiles();
        Map<String, Object> cm = Manifests.one(chart, "ConfigMap", "drainpilot-routes");
        assertThat(Manifests.map(cm, "data")).as("chart routes " + ConfigMapsMatchFilesTest.REGENERATE)
                .isEqualTo(new TreeMap<>(files));
        String text = HelmChart.template(t -> t.set("routes.overrides.alerts\\.camel\\.yaml", "- route: {}\n"));
        Map<String, Object> overridden = Manifests.one(Manifests.parse(text), "ConfigMap", "drainpilot-routes");
        assertThat(Manifests.map(overridden, "data")).containsEntry("alerts.camel.yaml", "- route: {}\n")
                .containsKeys(files.keySet().toArray(String[]::new));
        // a route change rolls the pods
        assertThat(podAnnotations(Manifests.parse(text)).get("checksum/routes"))
                .isNotEqualTo(podAnnotations(chart).get("checksum/routes"));
    }

    @Test
    void webhookUrlFromASecretNeverInThePodSpec() {
        String text = HelmChart.template(t -> t.set("alertWebhook.existingSecret", "alert-receiver"));
        List<Map<String, Object>> docs = Manifests.parse(text);
        Map<String, Object> url = Manifests.list(container(docs), "env").stream()
                .filter(e -> "DRAINPILOT_ALERT_WEBHOOK_URL".equals(e.get("name"))).findFirst().orElseThrow();
        assertThat(Manifests.map(url, "valueFrom.secretKeyRef")).containsEntry("name", "alert-receiver")
                .containsEntry("key", "url");
        assertThat(Manifests.ofKind(docs, "Secret")).isEmpty();
    }

    @Test
    void monitoringDisruptionBudgetAndNetworkPolicy() {
        Map<String, Object> rule = Manifests.one(chart, "PrometheusRule", "drainpilot");
        List<String> alerts = Manifests.list(Manifests.list(Manifests.map(rule, "spec"), "groups").get(0), "rules")
                .stream().map(r -> (String) r.get("alert")).toList();
        assertThat(alerts).containsExactlyInAnyOrder("DrainPilotNodeBlocked", "DrainPilotEvacuationStalled",
                "DrainPilotWebhookFailing", "DrainPilotNoLeader", "DrainPilotDownDuringDrain");
        Map<String, Object> monitor = Manifests.one(chart, "ServiceMonitor", "drainpilot");
        assertThat(Manifests.list(Manifests.map(monitor, "spec"), "endpoints").get(0))
                .containsEntry("path", "/observe/metrics").containsEntry("port", "management");
        assertThat(Manifests.map(Manifests.one(chart, "PodDisruptionBudget", "drainpilot"), "spec"))
                .containsEntry("minAvailable", 1);
        Map<String, Object> policy = Manifests.map(Manifests.one(chart, "NetworkPolicy", "drainpilot"), "spec");
        assertThat(Manifests.strings(policy, "policyTypes")).containsExactly("Ingress");
        List<Map<String, Object>> from = Manifests.list(Manifests.list(policy, "ingress").get(0), "from");
        assertThat(from).hasSize(2);
        assertThat(from.get(0)).isEqualTo(Map.of("podSelector", Map.of()));
        assertThat(Manifests.map(from.get(1), "podSelector.matchLabels"))
                .containsEntry("app.kubernetes.io/name", "prometheus");
    }

    /** The PrometheusRule's groups are valid Prometheus rules (promtool, where Debian's prometheus is installed). */
    @Test
    void prometheusAcceptsTheAlertRules(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path promtool = Path.of("/usr/bin/promtool");
        org.assertj.core.api.Assumptions.assumeThat(Files.isExecutable(promtool)).as("promtool installed").isTrue();
        Map<String, Object> rule = Manifests.one(chart, "PrometheusRule", "drainpilot");
        Path file = dir.resolve("rules.yaml");
        Files.writeString(file, new org.yaml.snakeyaml.Yaml().dump(Map.of("groups",
                Manifests.list(Manifests.map(rule, "spec"), "groups"))));
        Process p = new ProcessBuilder(promtool.toString(), "check", "rules", file.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("promtool check rules:\n%s", out).isZero();
        assertThat(out).contains("SUCCESS: 5 rules found");
    }

    @Test
    void theHarvesterAddonInstallsThisChart() throws IOException {
        Map<String, Object> addon = Manifests.load(HelmChart.DIR.getParent().resolve("harvester-addon.yaml")).get(0);
        assertThat(addon.get("apiVersion")).isEqualTo("harvesterhci.io/v1beta1");
        assertThat(addon.get("kind")).isEqualTo("Addon");
        Map<String, Object> spec = Manifests.map(addon, "spec");
        assertThat(spec.get("chart")).isEqualTo("drainpilot");
        Map<String, Object> chartYaml = Manifests.load(HelmChart.DIR.resolve("Chart.yaml")).get(0);
        assertThat(spec.get("version")).isEqualTo(chartYaml.get("version"));
        // its valuesContent is values for this chart
        Map<String, Object> values = Manifests.parse((String) spec.get("valuesContent")).get(0);
        Map<String, Object> defaults = Manifests.load(HelmChart.DIR.resolve("values.yaml")).get(0);
        assertThat(defaults.keySet()).containsAll(values.keySet());
    }

    private static Map<String, Object> container(List<Map<String, Object>> docs) {
        Map<String, Object> deployment = Manifests.one(docs, "Deployment", "drainpilot");
        return Manifests.list(Manifests.map(deployment, "spec.template.spec"), "containers").get(0);
    }

    private static Map<String, Object> podAnnotations(List<Map<String, Object>> docs) {
        return Manifests.map(Manifests.one(docs, "Deployment", "drainpilot"), "spec.template.metadata.annotations");
    }
}
