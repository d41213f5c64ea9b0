package io.drainpilot.demo;

import io.drainpilot.CommandLine;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The demo is part of the product: it must keep telling the whole story and exit 0. */
class DemoTest {

    @Test
    void theDemoDrainsNode1AndTellsWhatHappened() {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        int exit = Demo.run(java.nio.file.Path.of("config/application.properties"),
                new PrintStream(buffer, true, StandardCharsets.UTF_8));
        String out = buffer.toString(StandardCharsets.UTF_8);
        assertThat(exit).as(out).isZero();
        assertThat(out)
                .contains("Harvester alone: ")
                .containsPattern("Harvester alone: \\d+ VMs stopped: .*harvester-system/upgrade-repo-hvst-upgrade-x7k2p")
                .contains("held by DrainPilot")
                .contains("With DrainPilot:  no VM stopped; upgrade succeeded")
                .contains("DrainPilotRetry: [warning] default/web-1")
                .containsPattern("harvester-system/upgrade-repo-hvst-upgrade-x7k2p +node-1 +node-\\d +\\d+  none \\(live-migrated\\)")
                .contains("Done: every VM kept running, the upgrade-repo VM included");
    }
}
