package io.drainpilot.demo;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;

import static org.assertj.core.api.Assertions.assertThat;

/** --demo never collides with another process on the management port: it takes another and says which. */
class DemoPortTest {

    @Test
    void aTakenPortIsReplacedByAFreeOne() throws IOException {
        try (ServerSocket taken = new ServerSocket(0)) {
            int port = Demo.freePort(taken.getLocalPort());
            assertThat(port).isPositive().isNotEqualTo(taken.getLocalPort());
            try (ServerSocket check = new ServerSocket(port)) {
                assertThat(check.isBound()).isTrue();
            }
        }
    }

    @Test
    void aFreePortIsKept() throws IOException {
        int free;
        try (ServerSocket s = new ServerSocket(0)) {
            free = s.getLocalPort();
        }
        assertThat(Demo.freePort(free)).isEqualTo(free);
    }
}
