package io.drainpilot.deploy;

import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.common.values.NullValue;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The ValidatingAdmissionPolicies (admissionregistration.k8s.io/v1) and bindings of a set of manifests, evaluated
 * for one admission request the way the API server's policy plugin does: a policy applies when a binding with the
 * {@code Deny} action names it, its {@code matchConstraints} match the request (resource rules, namespace selector)
 * and every {@code matchCondition} is true; its {@code variables} are computed in order, then each validation that
 * is false, or fails to evaluate ({@code failurePolicy: Fail}), refuses the request with its message.
 *
 * <p>Simplifications, written down: {@code object}, {@code oldObject} and {@code request} are given to CEL as
 * untyped JSON (maps, lists, strings, 64-bit integers) where the API server types them from the OpenAPI schema; the
 * expressions used are valid either way (every optional field is guarded by {@code has()}, as the typed form needs
 * too), and a type error the API server would find at policy creation is not found here. Byte fields (Secret data)
 * are compared as their base64 text, which is equal exactly when the bytes are. Bindings with their own
 * {@code matchResources} or {@code paramRef}, and policies with {@code paramKind} or {@code auditAnnotations}, are
 * refused as not modelled, so a manifest cannot quietly use what this evaluator ignores.
 */
final class AdmissionPolicies {
    private static final Cel CEL = CelFactory.standardCelBuilder()
            .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
            .addVar("object", SimpleType.DYN)
            .addVar("oldObject", SimpleType.DYN)
            .addVar("request", SimpleType.DYN)
            .addVar("params", SimpleType.DYN)
            .addVar("namespaceObject", SimpleType.DYN)
            .addVar("variables", MapType.create(SimpleType.STRING, SimpleType.DYN))
            .build();

    /** An admission request: what the API server hands to the policies. {@code object} is null for DELETE. */
    record Request(String operation, String group, String version, String resource, String namespace, String name,
                   String username, Map<String, Object> object, Map<String, Object> oldObject) {
        Map<String, Object> asCel() {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("operation", operation);
            r.put("kind", Map.of("group", group, "version", version));
            r.put("resource", Map.of("group", group, "version", version, "resource", resource));
            r.put("namespace", namespace == null ? "" : namespace);
            r.put("name", name == null ? "" : name);
            r.put("userInfo", Map.of("username", username));
            return r;
        }
    }

    /** The answer: the policies that applied, and why the request was refused (empty: allowed). */
    record Verdict(List<String> applied, List<String> denials) {
        boolean allowed() {
            return denials.isEmpty();
        }
    }

    private record Expression(String name, String source, CelAbstractSyntaxTree ast, String message) {
    }

    private record Policy(String name, Map<String, Object> constraints, List<Expression> conditions,
                          List<Expression> variables, List<Expression> validations) {
    }

    private final List<Policy> policies = new ArrayList<>();

    /** Compiles every bound policy of {@code docs}; a CEL syntax or check error fails here, naming the policy. */
    AdmissionPolicies(List<Map<String, Object>> docs) {
        for (Map<String, Object> binding : Manifests.ofKind(docs, "ValidatingAdmissionPolicyBinding")) {
            requireApiVersion(binding);
            Map<String, Object> spec = Manifests.map(binding, "spec");
            if (spec.containsKey("matchResources") || spec.containsKey("paramRef")) {
                throw new IllegalArgumentException("binding " + Manifests.name(binding) + ": matchResources/paramRef not modelled");
            }
            if (!Manifests.strings(spec, "validationActions").contains("Deny")) {
                continue;
            }
            String policyName = (String) spec.get("policyName");
            Map<String, Object> policy = Manifests.ofKind(docs, "ValidatingAdmissionPolicy").stream()
                    .filter(p -> policyName.equals(Manifests.name(p))).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("binding " + Manifests.name(binding)
                            + " names policy " + policyName + ", which is not there"));
            policies.add(compile(policy));
        }
    }

    private static void requireApiVersion(Map<String, Object> doc) {
        if (!"admissionregistration.k8s.io/v1".equals(doc.get("apiVersion"))) {
            throw new IllegalArgumentException(doc.get("kind") + " " + Manifests.name(doc) + " is "
                    + doc.get("apiVersion") + ", not admissionregistration.k8s.io/v1");
        }
    }

    private static Policy compile(Map<String, Object> policy) {
        requireApiVersion(policy);
        String name = Manifests.name(policy);
        Map<String, Object> spec = Manifests.map(policy, "spec");
        if (spec.containsKey("paramKind") || spec.containsKey("auditAnnotations")) {
            throw new IllegalArgumentException("policy " + name + ": paramKind/auditAnnotations not modelled");
        }
        if (!"Fail".equals(spec.getOrDefault("failurePolicy", "Fail"))) {
            throw new IllegalArgumentException("policy " + name + ": failurePolicy must be Fail (an error must refuse)");
        }
        return new Policy(name, Manifests.map(spec, "matchConstraints"),
                expressions(name, Manifests.list(spec, "matchConditions")),
                expressions(name, Manifests.list(spec, "variables")),
                expressions(name, Manifests.list(spec, "validations")));
    }

    private static List<Expression> expressions(String policy, List<Map<String, Object>> list) {
        List<Expression> out = new ArrayList<>();
        for (Map<String, Object> e : list) {
            String source = String.valueOf(e.get("expression"));
            try {
                out.add(new Expression((String) e.get("name"), source, CEL.compile(source).getAst(),
                        Objects.toString(e.get("message"), "failed expression: " + source)));
            } catch (CelValidationException ex) {
                throw new IllegalArgumentException("policy " + policy + ": " + ex.getMessage(), ex);
            }
        }
        return out;
    }

    List<String> names() {
        return policies.stream().map(Policy::name).toList();
    }

    /** Reviews one request; {@code namespaceLabels} are the labels of the request's namespace (null if none). */
    Verdict review(Request request, Map<String, String> namespaceLabels) {
        List<String> applied = new ArrayList<>();
        List<String> denials = new ArrayList<>();
        Map<String, Object> activation = new LinkedHashMap<>();
        activation.put("object", cel(request.object()));
        activation.put("oldObject", cel(request.oldObject()));
        activation.put("request", cel(request.asCel()));
        activation.put("params", NullValue.NULL_VALUE);
        activation.put("namespaceObject", NullValue.NULL_VALUE);
        for (Policy p : policies) {
            if (!matches(p.constraints(), request, namespaceLabels)) {
                continue;
            }
            Map<String, Object> variables = new LinkedHashMap<>();
            activation.put("variables", variables);
            try {
                boolean conditionsHold = true;
                for (Expression c : p.conditions()) {
                    conditionsHold &= Boolean.TRUE.equals(eval(c, activation));
                }
                if (!conditionsHold) {
                    continue;
                }
                applied.add(p.name());
                for (Expression v : p.variables()) {
                    variables.put(v.name(), eval(v, activation));
                }
                for (Expression v : p.validations()) {
                    Object result = eval(v, activation);
                    if (!Boolean.TRUE.equals(result)) {
                        denials.add(p.name() + ": " + v.message());
                    }
                }
            } catch (CelEvaluationException e) {
                applied.add(p.name());
                denials.add(p.name() + ": expression could not be evaluated (failurePolicy Fail): " + e.getMessage());
            }
        }
        return new Verdict(applied, denials);
    }

    private static Object eval(Expression e, Map<String, Object> activation) throws CelEvaluationException {
        return CEL.createProgram(e.ast()).eval(activation);
    }

    private static boolean matches(Map<String, Object> constraints, Request r, Map<String, String> namespaceLabels) {
        boolean ruleMatches = Manifests.list(constraints, "resourceRules").stream().anyMatch(rule ->
                matchesAny(Manifests.strings(rule, "apiGroups"), r.group())
                        && matchesAny(Manifests.strings(rule, "apiVersions"), r.version())
                        && matchesAny(Manifests.strings(rule, "resources"), r.resource())
                        && matchesAny(Manifests.strings(rule, "operations"), r.operation()));
        if (!ruleMatches) {
            return false;
        }
        Map<String, Object> selector = Manifests.map(constraints, "namespaceSelector");
        if (selector.isEmpty() || r.namespace() == null) {
            return true; // cluster-scoped objects are not filtered by namespaceSelector
        }
        if (!Manifests.list(selector, "matchExpressions").isEmpty()) {
            throw new IllegalArgumentException("namespaceSelector.matchExpressions not modelled");
        }
        Map<String, String> labels = namespaceLabels == null ? Map.of() : namespaceLabels;
        return Manifests.map(selector, "matchLabels").entrySet().stream()
                .allMatch(e -> String.valueOf(e.getValue()).equals(labels.get(e.getKey())));
    }

    private static boolean matchesAny(List<String> allowed, String value) {
        return allowed.contains("*") || allowed.contains(value);
    }

    /** JSON as CEL sees it: integers are int64, null is CEL's null. */
    @SuppressWarnings("unchecked")
    static Object cel(Object json) {
        if (json == null) {
            return NullValue.NULL_VALUE;
        }
        if (json instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            ((Map<String, Object>) m).forEach((k, v) -> out.put(k, cel(v)));
            return out;
        }
        if (json instanceof List<?> l) {
            return l.stream().map(AdmissionPolicies::cel).toList();
        }
        if (json instanceof Integer i) {
            return i.longValue();
        }
        if (json instanceof Float f) {
            return f.doubleValue();
        }
        return json;
    }
}
