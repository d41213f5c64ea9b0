package io.drainpilot.app;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** At start the properties file and the environment are checked for drainpilot.* names no setting reads. */
class UnknownSettingsAtStartTest {

    @Test
    void theFileAndTheEnvironmentAreBothChecked(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("application.properties");
        Files.writeString(file, "drainpilot.poll.period = 5s\ndrainpilot.recovery.max-atempts = 5\n"
                + "drainpilot.alert.webhook.uri = https://hooks.example/T0KEN\n");
        assertThat(DrainPilotRuntime.warnAboutUnknownSettings(file, Set.of("DRAINPILOT_DRY_RUN", "DRAINPILOT_DRYRUN")))
                .containsExactly(
                        "Unknown setting drainpilot.alert.webhook.uri in " + file + ": no setting reads it, so it is"
                                + " ignored; did you mean drainpilot.alert.webhook.url?",
                        "Unknown setting drainpilot.recovery.max-atempts in " + file + ": no setting reads it, so it is"
                                + " ignored; did you mean drainpilot.recovery.max-attempts?",
                        "Unknown setting in environment variable DRAINPILOT_DRYRUN: no setting reads it, so it is"
                                + " ignored; did you mean DRAINPILOT_DRY_RUN?")
                .noneMatch(w -> w.contains("T0KEN"));
        assertThat(DrainPilotRuntime.warnAboutUnknownSettings(Path.of("config/application.properties"), Set.of())).isEmpty();
    }
}
