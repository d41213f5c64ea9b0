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
                .contains("Hook released: drainpilot.io/pre-hook now equals rke.cattle.io/pre-drain exactly")
                .contains("harvester-system/upgrade-repo-hvst-upgrade-x7k2p node-1 -> node-2")
                .contains("default/web-passthrough                       node-1 -> node-2")
                .contains("default/nvme-cache                            stays on node-1")
                .contains("DrainPilotRetry: [warning] default/app-host-model")
                .contains("DrainPilotShutdownRestart: [warning] default/legacy-local-disk")
                .contains("DrainPilotRestarted: [info] default/legacy-local-disk")
                .contains("NoCompatibleTarget (node-2: does not match nodeSelector disktype=nvme; node-3:");
    }
}
