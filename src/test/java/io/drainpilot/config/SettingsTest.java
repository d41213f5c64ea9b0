package io.drainpilot.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.FileInputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SettingsTest {

    @Test
    void theShippedConfigurationIsValidAndMatchesTheDefaults() throws IOException {
        Properties p = new Properties();
        try (FileInputStream in = new FileInputStream("config/application.properties")) {
            p.load(in);
        }
        Settings shipped = Settings.load(p::getProperty);
        Settings defaults = Settings.defaults();
        assertThat(shipped.scanPeriod).isEqualTo(defaults.scanPeriod).isEqualTo(Duration.ofSeconds(5));
        assertThat(shipped.maxInCluster).isEqualTo(defaults.maxInCluster).isEqualTo(5);
        assertThat(shipped.defaultFallback).isEqualTo(defaults.defaultFallback).isEqualTo("block");
        assertThat(shipped.targetSteering).isEqualTo("auto");
        assertThat(shipped.dryRun).isFalse();
    }

    @Test
    void everyDrainpilotKeyInTheShippedFileIsOneSettingsKnows() throws IOException {
        Properties p = new Properties();
        try (FileInputStream in = new FileInputStream("config/application.properties")) {
            p.load(in);
        }
        // a typo in a key would otherwise be ignored silently
        p.stringPropertyNames().stream().filter(k -> k.startsWith("drainpilot.")).forEach(k ->
                assertThat(Settings.KNOWN_KEYS).as("known keys").contains(k));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "drainpilot.poll.period|soon|Invalid setting drainpilot.poll.period=\"soon\": allowed: a duration from 100ms to 1h",
        "drainpilot.poll.period|10ms|Invalid setting drainpilot.poll.period=\"10ms\"",
        "drainpilot.migration.max-in-cluster|0|Invalid setting drainpilot.migration.max-in-cluster=\"0\": allowed: a whole number from 1 to 1000",
        "drainpilot.report.retain|-1|Invalid setting drainpilot.report.retain=\"-1\": allowed: a whole number from 0 to 1000",
        "drainpilot.report.retain|many|Invalid setting drainpilot.report.retain=\"many\": allowed: a whole number from 0 to 1000",
        "drainpilot.migration.target-steering|maybe|allowed: auto, off, on",
        "drainpilot.recovery.default-fallback|reboot|allowed: block, release, shutdown-restart",
        "drainpilot.dry-run|yes|Invalid setting drainpilot.dry-run=\"yes\": allowed: true, false",
        "drainpilot.alert.webhook.url|ftp://x|allowed: empty (no webhook) or an http:// or https:// URL",
        "drainpilot.vm.order|random|allowed: largest-memory-first, name, smallest-memory-first",
        "drainpilot.vm.selector|tier in web|Invalid setting drainpilot.vm.selector=\"tier in web\": not a Kubernetes label selector: 'tier in web': the values of in/notin go in parentheses",
        "drainpilot.vm.selector|tier=web,,env=prod|Invalid setting drainpilot.vm.selector=\"tier=web,,env=prod\": not a Kubernetes label selector: empty requirement",
    })
    void anInvalidValueNamesTheKeyTheValueAndWhatIsAllowed(String key, String value, String message) {
        assertThatThrownBy(() -> Settings.load(Map.of(key, value)::get))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessageContaining(message)
                .hasMessageContaining("env " + Settings.envName(key));
    }

    @Test
    void theVmSelectorIsParsedAtStartup() {
        Settings s = Settings.load(Map.of("drainpilot.vm.selector", "tier in (web, db), !drainpilot.io/skip")::get);
        assertThat(s.vmSelector.text()).isEqualTo("tier in (db,web),!drainpilot.io/skip");
        assertThat(s.vmSelector.matches(Map.of("tier", "db"))).isTrue();
        assertThat(s.vmSelector.matches(Map.of("tier", "cache"))).isFalse();
        assertThat(Settings.defaults().vmSelector.isEmpty()).isTrue();
    }

    @Test
    void aBadWebhookUrlIsNotQuoted() {
        assertThatThrownBy(() -> Settings.load(Map.of("drainpilot.alert.webhook.url", "hooks.example.com/T0KEN")::get))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessageContaining("drainpilot.alert.webhook.url").hasMessageNotContaining("T0KEN");
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        assertThatThrownBy(() -> Settings.load(Map.of("drainpilot.poll.period", "x", "drainpilot.dry-run", "maybe")::get))
                .hasMessageContaining("drainpilot.poll.period").hasMessageContaining("drainpilot.dry-run");
    }

    @Test
    void environmentNamesFollowCamelsRule() {
        assertThat(Settings.envName("drainpilot.poll.period")).isEqualTo("DRAINPILOT_POLL_PERIOD");
        assertThat(Settings.envName("drainpilot.migration.max-in-cluster")).isEqualTo("DRAINPILOT_MIGRATION_MAX_IN_CLUSTER");
    }

    @ParameterizedTest
    @CsvSource({"500ms,500", "30s,30000", "5m,300000", "1h,3600000", "2d,172800000", "1500,1500"})
    void durationsAsOpsWriteThem(String text, long millis) {
        assertThat(Durations.parse(text)).isEqualTo(Duration.ofMillis(millis));
    }

    @Test
    void notADuration() {
        assertThat(Durations.parse("5 minutes")).isNull();
        assertThat(Durations.parse("-1s")).isNull();
        assertThat(Durations.parse("")).isNull();
    }
}
