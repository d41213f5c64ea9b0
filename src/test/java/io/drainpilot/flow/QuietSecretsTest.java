package io.drainpilot.flow;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import com.sun.net.httpserver.HttpServer;
import io.drainpilot.app.DrainPilotRuntime;
import io.drainpilot.names.Names;
import io.drainpilot.sim.Scenarios;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A webhook URL can hold a token (chat and incident tools put it in the path); it comes from a Secret and never
 * appears in a log line, the metrics or the status JSON: not at startup (Camel's property summary), not when the
 * receiver answers an HTTP error, not when it cannot be reached.
 */
class QuietSecretsTest {
    private static final String TOKEN = "T0KEN-s3cr3t-4f9c2e";

    @Test
    void theTokenIsNeverShownWhenTheReceiverAnswersAnError() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            ex.getRequestBody().readAllBytes();
            ex.sendResponseHeaders(500, -1);
            ex.close();
        });
        server.start();
        try {
            assertNeverShown("http://127.0.0.1:" + server.getAddress().getPort() + "/hooks/" + TOKEN + "/alerts");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void theTokenIsNeverShownWhenTheReceiverIsDown() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        assertNeverShown("http://user:" + TOKEN + "@127.0.0.1:" + closedPort + "/hooks/" + TOKEN + "?key=" + TOKEN);
    }

    private void assertNeverShown(String url) {
        Logger camel = (Logger) LoggerFactory.getLogger("org.apache.camel");
        Level before = camel.getLevel();
        camel.setLevel(Level.INFO); // more than an operator sees by default
        try (LogCapture logs = new LogCapture(org.slf4j.Logger.ROOT_LOGGER_NAME);
             Harness h = new Harness(Scenarios.heterogeneous())) {
            DrainPilotRuntime rt = h.startDrainPilot(Map.of("drainpilot.alert.webhook.url", url,
                    "drainpilot.alert.webhook.retries", "0", "drainpilot.migration.target-steering", "off"));
            h.requestDrain("node-1");
            h.awaitEvacuation("node-1", Names.BLOCKED);
            await().atMost(Harness.PATIENCE).until(() -> ObserveTest.get(rt, "/observe/metrics").body()
                    .contains("drainpilot_alerts_total{channel=\"webhook\",ok=\"false\"}"));
            List<String> lines = logs.messages();
            assertThat(lines).as("the webhook failure is logged").anyMatch(l -> l.startsWith("alert webhook failed"));
            assertThat(lines).as("Camel's startup summary was captured").anyMatch(l -> l.contains("drainpilot.poll.period"));
            assertThat(lines).noneMatch(l -> l.contains(TOKEN));
            assertThat(ObserveTest.get(rt, "/observe/metrics").body()).doesNotContain(TOKEN);
            assertThat(ObserveTest.get(rt, "/drainpilot/status").body()).doesNotContain(TOKEN);
        } finally {
            camel.setLevel(before);
        }
    }
}
