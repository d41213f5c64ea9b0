package io.drainpilot.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class PrometheusApiTest {
    private final List<MigrationSample> samples = new ArrayList<>();
    private PrometheusApi api;

    @AfterEach
    void stop() {
        if (api != null) {
            api.close();
        }
    }

    @ParameterizedTest
    @CsvSource({
            "v1.0.0, kubevirt_vmi_migration_data_processed_bytes kubevirt_vmi_migration_data_remaining_bytes",
            "v1.3.1, kubevirt_vmi_migration_data_processed_bytes kubevirt_vmi_migration_data_remaining_bytes kubevirt_vmi_migration_dirty_memory_rate_bytes kubevirt_vmi_migration_disk_transfer_rate_bytes",
            "v1.5.0, kubevirt_vmi_migration_data_processed_bytes kubevirt_vmi_migration_data_remaining_bytes kubevirt_vmi_migration_dirty_memory_rate_bytes kubevirt_vmi_migration_data_total_bytes kubevirt_vmi_migration_disk_transfer_rate_bytes",
            "v1.7.0, kubevirt_vmi_migration_data_processed_bytes kubevirt_vmi_migration_data_remaining_bytes kubevirt_vmi_migration_dirty_memory_rate_bytes kubevirt_vmi_migration_data_total_bytes kubevirt_vmi_migration_memory_transfer_rate_bytes",
            "v1.8.1, kubevirt_vmi_migration_data_processed_bytes kubevirt_vmi_migration_data_remaining_bytes kubevirt_vmi_migration_dirty_memory_rate_bytes kubevirt_vmi_migration_data_bytes_total kubevirt_vmi_migration_memory_transfer_rate_bytes",
    })
    void metricNamesFollowTheKubeVirtVersion(String version, String names) {
        assertThat(PrometheusApi.metricNames(version).keySet()).containsExactly(names.split(" "));
    }

    private JsonNode query(String promql, int expectedStatus) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(api.url()
                + "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(expectedStatus);
        return new ObjectMapper().readTree(response.body());
    }

    @Test
    void answersAnInstantVectorFilteredByLabels() throws Exception {
        samples.add(new MigrationSample("default", "db", "node-1", 100, 900, 5, 1000, 20, "PreCopy"));
        samples.add(new MigrationSample("default", "web", "node-1", 300, 700, 6, 1000, 20, "PreCopy"));
        samples.add(new MigrationSample("other", "db", "node-2", 1.5, 2, 7, 3.5, 20, "PreCopy"));
        api = new PrometheusApi(() -> samples, "v1.6.0");

        JsonNode one = query("kubevirt_vmi_migration_data_remaining_bytes{namespace=\"default\", name=\"web\"}", 200);
        assertThat(one.path("status").asText()).isEqualTo("success");
        assertThat(one.path("data").path("resultType").asText()).isEqualTo("vector");
        assertThat(one.path("data").path("result")).hasSize(1);
        JsonNode sample = one.path("data").path("result").get(0);
        assertThat(sample.path("metric").path("node").asText()).isEqualTo("node-1");
        assertThat(sample.path("value").get(1).asText()).isEqualTo("700");

        assertThat(query("kubevirt_vmi_migration_data_processed_bytes{namespace!=\"default\"}", 200)
                .path("data").path("result").get(0).path("value").get(1).asText()).isEqualTo("1.5");
        assertThat(query("kubevirt_vmi_migration_dirty_memory_rate_bytes{name=~\"d.\"}", 200)
                .path("data").path("result")).hasSize(2);
        assertThat(query("kubevirt_vmi_migration_data_total_bytes", 200).path("data").path("result")).hasSize(3);
        // a name this version does not have yields nothing, as in Prometheus
        assertThat(query("kubevirt_vmi_migration_memory_transfer_rate_bytes", 200).path("data").path("result")).isEmpty();
        assertThat(query("rate(kubevirt_vmi_migration_data_processed_bytes[1m])", 400).path("errorType").asText())
                .isEqualTo("bad_data");
    }

    @Test
    void canBeDownOrDemandAToken() throws Exception {
        api = new PrometheusApi(() -> samples, "v1.6.0");
        api.down(true);
        query("kubevirt_vmi_migration_data_processed_bytes", 503);
        api.down(false);
        api.requireToken("s3cret");
        query("kubevirt_vmi_migration_data_processed_bytes", 401);
    }
}
