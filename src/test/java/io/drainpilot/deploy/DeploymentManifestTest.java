package io.drainpilot.deploy;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** The Deployment runs DrainPilot safely: hardened, probed, leader-elected, with config/ and routes/ mounted. */
class DeploymentManifestTest {
    static final int MANAGEMENT_PORT = 9876;

    private final List<Map<String, Object>> docs = Manifests.all();
    private final Map<String, Object> deployment = Manifests.one(docs, "Deployment", "drainpilot");
    private final Map<String, Object> pod = Manifests.map(deployment, "spec.template.spec");
    private final Map<String, Object> container = onlyContainer();

    private Map<String, Object> onlyContainer() {
        List<Map<String, Object>> containers = Manifests.list(pod, "containers");
        assertThat(containers).hasSize(1);
        return containers.get(0);
    }

    @Test
    void twoReplicasInTheDrainpilotNamespaceWithItsServiceAccount() {
        assertThat(Manifests.namespace(deployment)).isEqualTo("drainpilot");
        assertThat(Manifests.map(deployment, "spec").get("replicas")).isEqualTo(2);
        assertThat(pod.get("serviceAccountName")).isEqualTo(RbacCoversApiCallsTest.SERVICE_ACCOUNT);
        assertThat(pod.get("automountServiceAccountToken")).as("the in-cluster token is how it connects")
                .isNotEqualTo(false);
        Manifests.one(docs, "ServiceAccount", "drainpilot");
        Manifests.one(docs, "Namespace", "drainpilot");
        Map<String, Object> selector = Manifests.map(deployment, "spec.selector.matchLabels");
        assertThat(Manifests.map(deployment, "spec.template.metadata.labels")).containsAllEntriesOf(selector);
    }

    @Test
    void hardenedSecurityContext() {
        Map<String, Object> podSc = Manifests.map(pod, "securityContext");
        Map<String, Object> sc = Manifests.map(container, "securityContext");
        assertThat(sc.getOrDefault("runAsNonRoot", podSc.get("runAsNonRoot"))).isEqualTo(true);
        Object uid = sc.getOrDefault("runAsUser", podSc.get("runAsUser"));
        assertThat(uid).isInstanceOf(Integer.class);
        assertThat((Integer) uid).isPositive();
        assertThat(sc.get("readOnlyRootFilesystem")).isEqualTo(true);
        assertThat(sc.get("allowPrivilegeEscalation")).isEqualTo(false);
        assertThat(sc.get("privileged")).isNotEqualTo(true);
        assertThat(Manifests.strings(Manifests.map(sc, "capabilities"), "drop")).contains("ALL");
        assertThat(Manifests.strings(Manifests.map(sc, "capabilities"), "add")).isEmpty();
        Map<String, Object> seccomp = Manifests.map(sc, "seccompProfile").isEmpty()
                ? Manifests.map(podSc, "seccompProfile") : Manifests.map(sc, "seccompProfile");
        assertThat(seccomp.get("type")).isEqualTo("RuntimeDefault");
        assertThat(pod.get("hostNetwork")).isNotEqualTo(true);
        assertThat(pod.get("hostPID")).isNotEqualTo(true);
    }

    @Test
    void imageUserMatchesRunAsUser() throws IOException {
        String dockerfile = Files.readString(Path.of("docker", "Dockerfile"));
        Matcher user = Pattern.compile("(?m)^USER\\s+(\\d+)").matcher(dockerfile);
        assertThat(user.find()).as("numeric USER in docker/Dockerfile").isTrue();
        Object uid = Manifests.map(container, "securityContext").getOrDefault("runAsUser",
                Manifests.map(pod, "securityContext").get("runAsUser"));
        assertThat(uid).isEqualTo(Integer.parseInt(user.group(1)));
        assertThat(dockerfile).contains("WORKDIR /app", "\"-Djava.io.tmpdir=/tmp\"", "\"-jar\", \"drainpilot.jar\"",
                "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError");
    }

    @Test
    void probesOnTheManagementPort() {
        assertThat(probe("livenessProbe").get("path")).isEqualTo("/observe/health/live");
        assertThat(probe("readinessProbe").get("path")).isEqualTo("/observe/health/ready");
        assertThat(Manifests.list(container, "ports")).anyMatch(p -> Integer.valueOf(MANAGEMENT_PORT)
                .equals(p.get("containerPort")));
    }

    /** The probe's httpGet, with its port resolved to a number. */
    private Map<String, Object> probe(String kind) {
        Map<String, Object> get = Manifests.map(container, kind + ".httpGet");
        assertThat(get).as(kind + ".httpGet").isNotEmpty();
        Object port = get.get("port");
        if (port instanceof String name) {
            port = Manifests.list(container, "ports").stream().filter(p -> name.equals(p.get("name")))
                    .map(p -> p.get("containerPort")).findFirst().orElse(null);
        }
        assertThat(port).as(kind + " port").isEqualTo(MANAGEMENT_PORT);
        return get;
    }

    @Test
    void podIdentityAndLeaderElectionFromTheEnvironment() {
        Map<String, Map<String, Object>> env = Manifests.list(container, "env").stream()
                .collect(Collectors.toMap(e -> (String) e.get("name"), e -> e));
        assertThat(Manifests.map(env.get("POD_NAME"), "valueFrom.fieldRef").get("fieldPath")).isEqualTo("metadata.name");
        assertThat(Manifests.map(env.get("POD_NAMESPACE"), "valueFrom.fieldRef").get("fieldPath"))
                .isEqualTo("metadata.namespace");
        assertThat(env.get("DRAINPILOT_LEADER_ENABLED").get("value")).isEqualTo("true");
    }

    @Test
    void resourcesAndShutdownWithinTheGracePeriod() throws IOException {
        assertThat(Manifests.map(container, "resources.requests")).containsKeys("cpu", "memory");
        assertThat(Manifests.map(container, "resources.limits")).containsKey("memory");
        assertThat(pod.get("terminationGracePeriodSeconds")).isEqualTo(30);
        Properties props = new Properties();
        try (var in = Files.newInputStream(Path.of("config", "application.properties"))) {
            props.load(in);
        }
        String timeout = props.getProperty("camel.main.shutdownTimeout", "45").trim();
        assertThat(Integer.parseInt(timeout)).as("camel.main.shutdownTimeout (seconds) below the grace period")
                .isLessThan(30);
    }

    @Test
    void writableTmpOnly() {
        Map<String, Object> tmp = volume(mountAt("/tmp"));
        assertThat(tmp).containsKey("emptyDir");
        assertThat(Manifests.list(container, "volumeMounts")).filteredOn(m -> !"/tmp".equals(m.get("mountPath")))
                .allSatisfy(m -> assertThat(m.get("readOnly")).as("%s", m).isEqualTo(true));
    }

    @Test
    void configMapsMountedOverConfigAndRoutesCoverEveryFile() throws IOException {
        assertMountedConfigMap("/app/config", "drainpilot-config", ConfigMapsMatchFilesTest.configFiles().keySet());
        assertMountedConfigMap("/app/routes", "drainpilot-routes", ConfigMapsMatchFilesTest.routeFiles().keySet());
    }

    private void assertMountedConfigMap(String path, String configMap, Set<String> files) {
        Map<String, Object> mount = mountAt(path);
        assertThat(mount).as("mount at %s", path).doesNotContainKey("subPath");
        Map<String, Object> source = Manifests.map(volume(mount), "configMap");
        assertThat(source.get("name")).as("ConfigMap mounted at %s", path).isEqualTo(configMap);
        // with items, only the listed keys appear in the directory
        List<Map<String, Object>> items = Manifests.list(source, "items");
        Set<String> visible = items.isEmpty()
                ? ConfigMapsMatchFilesTest.data(configMap).keySet()
                : items.stream().map(i -> (String) i.get("path")).collect(Collectors.toSet());
        assertThat(visible).as("files under %s", path).containsAll(files);
    }

    private Map<String, Object> mountAt(String path) {
        return Manifests.list(container, "volumeMounts").stream().filter(m -> path.equals(m.get("mountPath")))
                .findFirst().orElseThrow(() -> new AssertionError("nothing mounted at " + path));
    }

    private Map<String, Object> volume(Map<String, Object> mount) {
        return Manifests.list(pod, "volumes").stream().filter(v -> mount.get("name").equals(v.get("name")))
                .findFirst().orElseThrow(() -> new AssertionError("no volume " + mount.get("name")));
    }

    @Test
    void webhookUrlFromAnOptionalSecret() {
        Map<String, Object> url = Manifests.list(container, "env").stream()
                .filter(e -> "DRAINPILOT_ALERT_WEBHOOK_URL".equals(e.get("name"))).findFirst().orElseThrow();
        assertThat(url).doesNotContainKey("value");
        assertThat(Manifests.map(url, "valueFrom.secretKeyRef")).containsEntry("name", "drainpilot-alert-webhook")
                .containsEntry("key", "url").containsEntry("optional", true);
    }

    @Test
    void serviceNetworkPolicyAndDisruptionBudgetSelectThePods() {
        Map<String, Object> selector = Manifests.map(deployment, "spec.selector.matchLabels");
        assertThat(Manifests.map(Manifests.one(docs, "Service", "drainpilot"), "spec.selector")).isEqualTo(selector);
        assertThat(Manifests.map(Manifests.one(docs, "PodDisruptionBudget", "drainpilot"), "spec.selector.matchLabels"))
                .isEqualTo(selector);
        Map<String, Object> policy = Manifests.map(Manifests.one(docs, "NetworkPolicy", "drainpilot"), "spec");
        assertThat(Manifests.map(policy, "podSelector.matchLabels")).isEqualTo(selector);
        Map<String, Object> ingress = Manifests.list(policy, "ingress").get(0);
        assertThat(Manifests.list(ingress, "ports")).containsExactly(Map.of("port", "management", "protocol", "TCP"));
        assertThat(Manifests.list(ingress, "from")).hasSize(2).first().isEqualTo(Map.of("podSelector", Map.of()));
    }

    @Test
    void kustomizationListsEveryManifest() throws IOException {
        Map<String, Object> k = Manifests.load(Manifests.DIR.resolve("kustomization.yaml")).get(0);
        Set<String> listed = Set.copyOf(Manifests.strings(k, "resources"));
        try (var s = Files.list(Manifests.DIR)) {
            Set<String> present = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml"))
                    .filter(n -> !n.equals("kustomization.yaml")).collect(Collectors.toSet());
            assertThat(listed).isEqualTo(present);
        }
    }
}
