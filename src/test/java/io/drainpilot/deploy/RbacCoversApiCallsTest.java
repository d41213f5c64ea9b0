package io.drainpilot.deploy;

import io.drainpilot.kubevirt.ApiCall;
import io.drainpilot.kubevirt.ClusterApi;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The RBAC manifests (docker/kubernetes/*.yaml, and the Helm chart's rendering) grant exactly what the code needs: the needs are read at run time
 * from the {@link ApiCall} annotations of {@link ClusterApi} (every Kubernetes call DrainPilot makes goes through
 * it), never from a hand-written list, so a new ClusterApi method without a matching grant fails here.
 */
class RbacCoversApiCallsTest {
    static final String SERVICE_ACCOUNT = "drainpilot";
    static final String OWN_NAMESPACE = "drainpilot";

    /**
     * What leader election needs. These calls are made by Camel's KubernetesClusterService (camel-kubernetes
     * 4.18, native Lease mode), not by ClusterApi, so no @ApiCall can declare them. It reads, creates and renews
     * (PUT with resourceVersion) the Lease {@code leaders-<group>} and lists the candidate pods (Running and
     * Ready, matching clusterLabels), both in the namespace the client runs in, i.e. DrainPilot's own namespace.
     * Its bytecode calls only leases get/create/update and pods list; list/watch/patch on leases and get/watch on
     * pods are granted as agreed for the deployment (headroom for other Camel lease-manager versions).
     */
    static final List<Permission> LEADER_ELECTION = permissions(OWN_NAMESPACE,
            "coordination.k8s.io", "leases", "get", "list", "watch", "create", "update", "patch",
            "", "pods", "get", "list", "watch");

    /** One permission: group/resource/verb, cluster-wide (namespace "") or in one namespace. */
    record Permission(String group, String resource, String verb, String namespace) implements Comparable<Permission> {
        boolean clusterWide() {
            return namespace.isEmpty();
        }

        @Override
        public int compareTo(Permission o) {
            return toString().compareTo(o.toString());
        }

        @Override
        public String toString() {
            return (group.isEmpty() ? "core" : group) + "/" + resource + " " + verb
                    + (clusterWide() ? " (cluster-wide)" : " in " + namespace);
        }
    }

    private static List<Permission> permissions(String namespace, String... groupResourceVerbs) {
        List<Permission> out = new ArrayList<>();
        String group = null;
        String resource = null;
        Set<String> verbs = Set.of("get", "list", "watch", "create", "update", "patch", "delete", "deletecollection");
        for (int i = 0; i < groupResourceVerbs.length; i++) {
            String s = groupResourceVerbs[i];
            if (verbs.contains(s)) {
                out.add(new Permission(group, resource, s, namespace));
            } else {
                group = s;
                resource = groupResourceVerbs[++i];
            }
        }
        return out;
    }

    /** What the code needs, read from the @ApiCall annotations of ClusterApi's public methods. */
    static Set<Permission> needed() {
        Set<Permission> needed = new TreeSet<>();
        for (Method m : ClusterApi.class.getDeclaredMethods()) {
            if (!Modifier.isPublic(m.getModifiers())) {
                continue;
            }
            for (ApiCall call : m.getAnnotationsByType(ApiCall.class)) {
                for (String verb : call.verbs()) {
                    needed.add(new Permission(call.group(), call.resource(), verb, call.namespace()));
                }
            }
        }
        return needed;
    }

    /** What the manifests grant the service account: ClusterRole rules cluster-wide, Role rules in their namespace. */
    static Set<Permission> granted(List<Map<String, Object>> docs, List<String> problems) {
        Set<Permission> granted = new TreeSet<>();
        for (Map<String, Object> binding : Manifests.ofKind(docs, "ClusterRoleBinding")) {
            if (!bindsServiceAccount(binding)) {
                continue;
            }
            Map<String, Object> ref = Manifests.map(binding, "roleRef");
            if (!"ClusterRole".equals(ref.get("kind"))) {
                problems.add("ClusterRoleBinding " + Manifests.name(binding) + " refers to " + ref.get("kind"));
                continue;
            }
            Map<String, Object> role = find(docs, "ClusterRole", "", (String) ref.get("name"), problems);
            if (role != null) {
                granted.addAll(rules(role, "", problems));
            }
        }
        for (Map<String, Object> binding : Manifests.ofKind(docs, "RoleBinding")) {
            if (!bindsServiceAccount(binding)) {
                continue;
            }
            String ns = Manifests.namespace(binding);
            if (ns.isEmpty()) {
                problems.add("RoleBinding " + Manifests.name(binding) + " has no namespace");
                continue;
            }
            Map<String, Object> ref = Manifests.map(binding, "roleRef");
            // a RoleBinding to a ClusterRole grants that ClusterRole's rules in the binding's namespace only
            String kind = (String) ref.get("kind");
            Map<String, Object> role = "ClusterRole".equals(kind)
                    ? find(docs, "ClusterRole", "", (String) ref.get("name"), problems)
                    : find(docs, "Role", ns, (String) ref.get("name"), problems);
            if (role != null) {
                granted.addAll(rules(role, ns, problems));
            }
        }
        return granted;
    }

    private static boolean bindsServiceAccount(Map<String, Object> binding) {
        return Manifests.list(binding, "subjects").stream().anyMatch(s -> "ServiceAccount".equals(s.get("kind"))
                && SERVICE_ACCOUNT.equals(s.get("name")) && OWN_NAMESPACE.equals(s.get("namespace")));
    }

    private static Map<String, Object> find(List<Map<String, Object>> docs, String kind, String ns, String name,
            List<String> problems) {
        List<Map<String, Object>> found = Manifests.ofKind(docs, kind).stream()
                .filter(d -> name.equals(Manifests.name(d)) && ns.equals(Manifests.namespace(d))).toList();
        if (found.size() != 1) {
            problems.add("binding refers to " + kind + " " + (ns.isEmpty() ? "" : ns + "/") + name + ", found "
                    + found.size());
            return null;
        }
        return found.get(0);
    }

    private static List<Permission> rules(Map<String, Object> role, String ns, List<String> problems) {
        List<Permission> out = new ArrayList<>();
        String where = role.get("kind") + " " + Manifests.name(role);
        if (role.containsKey("aggregationRule")) {
            problems.add(where + " uses an aggregationRule: its rules cannot be checked");
        }
        for (Map<String, Object> rule : Manifests.list(role, "rules")) {
            if (rule.containsKey("nonResourceURLs") || rule.containsKey("resourceNames")) {
                problems.add(where + " has nonResourceURLs/resourceNames, which this test does not model: " + rule);
            }
            for (String g : Manifests.strings(rule, "apiGroups")) {
                for (String r : Manifests.strings(rule, "resources")) {
                    for (String v : Manifests.strings(rule, "verbs")) {
                        out.add(new Permission(g, r, v, ns));
                    }
                }
            }
        }
        return out;
    }

    /** Every way the manifests differ from what the code needs; empty when they match. */
    static List<String> problems(List<Map<String, Object>> docs, Set<Permission> needed) {
        List<String> problems = new ArrayList<>();
        problems.addAll(wildcards(docs));
        problems.addAll(secretsInClusterRoles(docs));
        Set<Permission> granted = granted(docs, problems);
        for (Permission p : needed) {
            // cluster-wide needs from the ClusterRole; namespace-limited needs from a Role in exactly that namespace
            if (!granted.contains(p)) {
                problems.add("needed but not granted: " + p);
            }
        }
        for (Permission p : LEADER_ELECTION) {
            if (!granted.contains(p)) {
                problems.add("leader election needs but not granted: " + p);
            }
        }
        for (Permission p : granted) {
            if (!needed.contains(p) && !LEADER_ELECTION.contains(p)) {
                problems.add("granted but not needed by any @ApiCall or leader election: " + p);
            }
        }
        return problems;
    }

    /** No "*" in any rule of any Role or ClusterRole, in any field. */
    static List<String> wildcards(List<Map<String, Object>> docs) {
        List<String> problems = new ArrayList<>();
        for (String kind : List.of("Role", "ClusterRole")) {
            for (Map<String, Object> role : Manifests.ofKind(docs, kind)) {
                for (Map<String, Object> rule : Manifests.list(role, "rules")) {
                    for (Map.Entry<String, Object> e : rule.entrySet()) {
                        if (String.valueOf(e.getValue()).contains("*")) {
                            problems.add(kind + " " + Manifests.name(role) + " has a wildcard in " + e.getKey()
                                    + ": " + e.getValue());
                        }
                    }
                }
            }
        }
        return problems;
    }

    /** Secrets are never granted cluster-wide: no ClusterRole mentions them. */
    static List<String> secretsInClusterRoles(List<Map<String, Object>> docs) {
        List<String> problems = new ArrayList<>();
        for (Map<String, Object> role : Manifests.ofKind(docs, "ClusterRole")) {
            for (Map<String, Object> rule : Manifests.list(role, "rules")) {
                if (Manifests.strings(rule, "resources").stream().anyMatch(r -> r.equals("secrets")
                        || r.startsWith("secrets/"))) {
                    problems.add("ClusterRole " + Manifests.name(role) + " grants Secrets: " + rule);
                }
            }
        }
        return problems;
    }

    // ---- the real manifests

    @Test
    void clusterApiDeclaresWhatItCalls() {
        Set<Permission> needed = needed();
        assertThat(needed).as("@ApiCall annotations on ClusterApi").isNotEmpty();
        // every public method that talks to the cluster carries an @ApiCall (the accessors are the exceptions)
        Set<String> notCalls = Set.of("client", "dryRun", "link", "close");
        List<String> unannotated = Arrays.stream(ClusterApi.class.getDeclaredMethods())
                .filter(m -> Modifier.isPublic(m.getModifiers()) && !m.isSynthetic())
                .filter(m -> m.getAnnotationsByType(ApiCall.class).length == 0)
                .map(Method::getName).filter(n -> !notCalls.contains(n)).distinct().sorted().toList();
        assertThat(unannotated).as("public ClusterApi methods without @ApiCall").isEmpty();
    }

    @Test
    void manifestsGrantExactlyWhatTheCodeNeeds() {
        List<String> problems = problems(Manifests.all(), needed());
        assertThat(problems).as("RBAC in %s vs @ApiCall on ClusterApi", Manifests.DIR).isEmpty();
    }

    /** The Helm chart, rendered by Helm: a verb added to ClusterApi fails here as well as above. */
    @Test
    void theHelmChartGrantsExactlyWhatTheCodeNeeds() {
        List<String> problems = problems(HelmChart.rendered(), needed());
        assertThat(problems).as("RBAC rendered from %s vs @ApiCall on ClusterApi", HelmChart.DIR).isEmpty();
    }

    @Test
    void secretsOnlyInTheirNamespaceNeverClusterWide() {
        List<String> problems = new ArrayList<>();
        Set<Permission> granted = granted(Manifests.all(), problems);
        assertThat(problems).isEmpty();
        assertThat(granted).filteredOn(p -> p.resource().equals("secrets")).isNotEmpty()
                .allSatisfy(p -> assertThat(p.clusterWide()).as("%s", p).isFalse());
        assertThat(needed()).filteredOn(p -> p.resource().equals("secrets"))
                .allSatisfy(p -> assertThat(p.namespace()).as("@ApiCall for %s must name its namespace", p)
                        .isNotEmpty());
    }

    // ---- the check itself can fail

    @Test
    void aMissingVerbIsReported() {
        List<Map<String, Object>> docs = Manifests.all();
        editVerbs(docs, "virtualmachineinstancemigrations", verbs -> verbs.remove("delete"));
        assertThat(problems(docs, needed())).anyMatch(p -> p.startsWith("needed but not granted")
                && p.contains("virtualmachineinstancemigrations delete"));
    }

    @Test
    void anExtraVerbIsReported() {
        List<Map<String, Object>> docs = Manifests.all();
        editVerbs(docs, "nodes", verbs -> verbs.add("delete"));
        assertThat(problems(docs, needed())).anyMatch(p -> p.startsWith("granted but not needed")
                && p.contains("core/nodes delete"));
    }

    /** Changes the verbs of the ClusterRole rule for {@code resource}, in the parsed manifests only. */
    private static void editVerbs(List<Map<String, Object>> docs, String resource,
                                  java.util.function.Consumer<List<String>> edit) {
        Map<String, Object> rule = rule(docs, "ClusterRole", resource);
        List<String> verbs = new ArrayList<>(Manifests.strings(rule, "verbs"));
        edit.accept(verbs);
        rule.put("verbs", verbs);
    }

    @Test
    void aNamespacedNeedGrantedClusterWideOnlyIsReported() {
        List<Map<String, Object>> docs = Manifests.all();
        // move the Secrets rule from the fleet-local Role to the ClusterRole
        Map<String, Object> secrets = rule(docs, "Role", "secrets");
        Manifests.list(Manifests.one(docs, "Role", "drainpilot-plan-secrets"), "rules").remove(secrets);
        Manifests.list(Manifests.one(docs, "ClusterRole", "drainpilot"), "rules").add(secrets);
        List<String> problems = problems(docs, needed());
        assertThat(problems).anyMatch(p -> p.startsWith("ClusterRole drainpilot grants Secrets"));
        assertThat(problems).anyMatch(p -> p.startsWith("needed but not granted: core/secrets"));
        assertThat(problems).anyMatch(p -> p.startsWith("granted but not needed") && p.contains("secrets")
                && p.contains("cluster-wide"));
    }

    @Test
    void aWildcardIsReported() {
        List<Map<String, Object>> docs = Manifests.all();
        rule(docs, "Role", "leases").put("verbs", List.of("*"));
        assertThat(problems(docs, needed())).anyMatch(p -> p.contains("wildcard in verbs"));
    }

    @Test
    void aNewApiCallWithoutGrantIsReported() {
        Set<Permission> needed = new TreeSet<>(needed());
        needed.add(new Permission("kubevirt.io", "virtualmachineinstances", "delete", ""));
        assertThat(problems(Manifests.all(), needed))
                .contains("needed but not granted: kubevirt.io/virtualmachineinstances delete (cluster-wide)");
    }

    /** The (mutable) rule of the first role of that kind naming that resource. */
    private static Map<String, Object> rule(List<Map<String, Object>> docs, String kind, String resource) {
        return Manifests.ofKind(docs, kind).stream().flatMap(r -> Manifests.list(r, "rules").stream())
                .filter(rule -> Manifests.strings(rule, "resources").contains(resource)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " rule for " + resource));
    }
}
