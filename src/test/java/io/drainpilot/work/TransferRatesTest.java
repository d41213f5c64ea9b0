package io.drainpilot.work;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The rate memory: bounded, each migration counted once, unusable samples left out. */
class TransferRatesTest {

    private static TransferRates.Sample s(String key, String source, String target) {
        return new TransferRates.Sample(key, source, target, 1L << 30, Duration.ofSeconds(10));
    }

    @Test
    void keepsTheLastPerPairAndClusterWide() {
        TransferRates rates = new TransferRates();
        for (int i = 0; i < TransferRates.CLUSTER_WIDE + 5; i++) {
            rates.record(s("ns/m" + i, "n1", "n" + (2 + i % 2)));
        }
        TransferRates.History h = rates.history();
        assertThat(h.cluster()).hasSize(TransferRates.CLUSTER_WIDE);
        assertThat(h.cluster().get(0).key()).isEqualTo("ns/m5");
        assertThat(h.pair("n1", "n2")).hasSize(TransferRates.PER_PAIR);
        assertThat(h.pair("n1", "n2").get(TransferRates.PER_PAIR - 1).key()).isEqualTo("ns/m54");
        assertThat(h.pair("n1", null)).isEmpty();
    }

    @Test
    void countsAMigrationOnceAndSkipsWhatCannotBeMeasured() {
        TransferRates rates = new TransferRates();
        assertThat(rates.record(s("ns/a", "n1", "n2"))).isTrue();
        assertThat(rates.record(s("ns/a", "n1", "n2"))).as("seen twice").isFalse();
        assertThat(rates.record(new TransferRates.Sample("ns/b", "n1", "n2", 0, Duration.ofSeconds(3)))).as("no memory").isFalse();
        assertThat(rates.record(new TransferRates.Sample("ns/c", "n1", "n2", 1, Duration.ZERO))).as("no time").isFalse();
        assertThat(rates.record(new TransferRates.Sample("ns/d", "n1", "n2", 1, null))).as("no duration").isFalse();
        assertThat(rates.record(new TransferRates.Sample("ns/e", "n1", null, 1, Duration.ofSeconds(1)))).as("no target").isFalse();
        assertThat(rates.history().cluster()).hasSize(1);
    }

    @Test
    void aVmNoLongerInViewTakesTheMemorySeenWhileItMigrated() {
        TransferRates rates = new TransferRates();
        rates.remember("ns/m1", 4L << 30);
        assertThat(rates.record(new TransferRates.Sample("ns/m1", "n1", "n2", 0, Duration.ofSeconds(8)))).isTrue();
        assertThat(rates.history().cluster().get(0).bytes()).isEqualTo(4L << 30);
        assertThat(rates.record(new TransferRates.Sample("ns/m2", "n1", "n2", 0, Duration.ofSeconds(8))))
                .as("never seen migrating").isFalse();
    }

    @Test
    void dropsTheLeastRecentlyFedPairBeyondTheBound() {
        TransferRates rates = new TransferRates();
        for (int i = 0; i <= TransferRates.PAIRS; i++) {
            rates.record(s("ns/m" + i, "src", "t" + i));
        }
        TransferRates.History h = rates.history();
        assertThat(h.byPair()).hasSize(TransferRates.PAIRS);
        assertThat(h.pair("src", "t0")).isEmpty();
        assertThat(h.pair("src", "t" + TransferRates.PAIRS)).hasSize(1);
    }
}
