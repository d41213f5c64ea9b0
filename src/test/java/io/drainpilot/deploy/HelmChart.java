package io.drainpilot.deploy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * docker/chart/drainpilot through Helm itself (helm-java: the Helm library in-process, no helm binary needed):
 * {@code helm lint} and {@code helm template}, as release "drainpilot" in namespace "drainpilot", the names the
 * kustomize base uses, so both are checked by the same tests.
 */
final class HelmChart {
    static final Path DIR = Path.of("docker", "chart", "drainpilot");
    static final String KUBE_VERSION = "v1.31.0";
    private static List<Map<String, Object>> rendered;

    private HelmChart() {
    }

    /** Every optional part switched on (ServiceMonitor, PrometheusRule), defaults otherwise. Rendered once. */
    static synchronized List<Map<String, Object>> rendered() {
        if (rendered == null) {
            rendered = Manifests.parse(template(t -> t.set("serviceMonitor.enabled", true)
                    .set("prometheusRule.enabled", true)));
        }
        return rendered;
    }

    static String template(UnaryOperator<TemplateCommand> values) {
        return values.apply(new Helm(DIR).template().withName("drainpilot").withNamespace("drainpilot")
                .withKubeVersion(KUBE_VERSION)).call();
    }

    static LintResult lint() {
        return new Helm(DIR).lint().strict().call();
    }
}
