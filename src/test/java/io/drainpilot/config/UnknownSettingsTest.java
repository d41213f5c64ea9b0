package io.drainpilot.config;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Unknown drainpilot.* keys and DRAINPILOT_* variables are named with where they came from, and near misses. */
class UnknownSettingsTest {

    private static List<String> warn(List<String> fileKeys, List<String> env) {
        return UnknownSettings.warnings(fileKeys, "/etc/drainpilot/application.properties", env, Settings.KNOWN_KEYS);
    }

    @Test
    void knownKeysAndOtherFamiliesSaySomething() {
        assertThat(warn(List.of("drainpilot.poll.period", "camel.main.name", "drainpilot.api.retry.delay"),
                List.of("DRAINPILOT_POLL_PERIOD", "DRAINPILOT_CONFIG", "HOME", "DRAINPILOT_LOG_FORMAT"))).isEmpty();
    }

    @Test
    void aMisspeltKeyInTheFileIsNamedWithTheFileAndTheKeyMeant() {
        assertThat(warn(List.of("drainpilot.poll.perod"), List.of())).containsExactly(
                "Unknown setting drainpilot.poll.perod in /etc/drainpilot/application.properties: no setting reads it,"
                        + " so it is ignored; did you mean drainpilot.poll.period?");
    }

    @Test
    void aMisspeltEnvironmentVariableIsNamedWithTheVariableMeant() {
        assertThat(warn(List.of(), List.of("DRAINPILOT_RECOVERY_MAX_ATTEMPT"))).containsExactly(
                "Unknown setting in environment variable DRAINPILOT_RECOVERY_MAX_ATTEMPT: no setting reads it, so it is"
                        + " ignored; did you mean DRAINPILOT_RECOVERY_MAX_ATTEMPTS?");
    }

    @Test
    void aKeyFarFromAnyKnownOneGetsNoGuess() {
        assertThat(warn(List.of("drainpilot.colour"), List.of("DRAINPILOT_FAVOURITE_COLOUR"))).containsExactly(
                "Unknown setting drainpilot.colour in /etc/drainpilot/application.properties: no setting reads it, so it"
                        + " is ignored",
                "Unknown setting in environment variable DRAINPILOT_FAVOURITE_COLOUR: no setting reads it, so it is ignored");
    }

    @Test
    void theWebhookKeyIsNamedNeverItsValue() {
        // only names reach the check: a value (which may hold a token) cannot be printed
        assertThat(warn(List.of("drainpilot.alert.webhook.uri"), List.of())).singleElement().asString()
                .contains("drainpilot.alert.webhook.uri").contains("did you mean drainpilot.alert.webhook.url?");
    }

    @Test
    void nearMisses() {
        assertThat(UnknownSettings.distance("kitten", "sitting")).isEqualTo(3);
        assertThat(UnknownSettings.nearest("drainpilot.dryrun", Set.of("drainpilot.dry-run", "drainpilot.poll.period")))
                .contains("drainpilot.dry-run");
    }
}
