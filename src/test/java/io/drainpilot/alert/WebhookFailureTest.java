package io.drainpilot.alert;

import io.drainpilot.config.SecretText;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;

import static org.assertj.core.api.Assertions.assertThat;

class WebhookFailureTest {
    private static final String URL = "https://user:pw@hooks.example.com:8443/services/T0KEN/x?key=T0KEN";

    @Test
    void anHttpErrorIsItsStatusOnly() {
        String said = new WebhookFailure().describe(new HttpOperationFailedException(URL, 403, "Forbidden", null, null, "denied T0KEN"));
        assertThat(said).isEqualTo("HTTP 403 Forbidden");
    }

    @Test
    void anotherFailureKeepsHostAndPortOnly() {
        Exception e = new RuntimeException("wrapped", new ConnectException("Connection refused: " + URL));
        assertThat(new WebhookFailure().describe(e))
                .isEqualTo("ConnectException: Connection refused: https://hooks.example.com:8443/...");
    }

    @Test
    void everyUrlInATextIsCut() {
        assertThat(SecretText.redactUrls("a http://h/T0KEN b https://u:T0KEN@h2:1?T0KEN c")).doesNotContain("T0KEN")
                .isEqualTo("a http://h/... b https://h2:1/... c");
    }
}
