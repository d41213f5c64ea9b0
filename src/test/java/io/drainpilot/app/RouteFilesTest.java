package io.drainpilot.app;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The route files the flow needs: none at all, or a stage missing, is a clear startup problem. */
class RouteFilesTest {

    private static Path copyOfRoutes(Path dir, String... without) throws IOException {
        Path routes = Files.createDirectories(dir.resolve("routes"));
        for (Path p : Files.newDirectoryStream(Path.of("routes"), "*.camel.yaml")) {
            if (!java.util.List.of(without).contains(p.getFileName().toString())) {
                Files.copy(p, routes.resolve(p.getFileName()));
            }
        }
        return routes;
    }

    @Test
    void theShippedRoutesHaveEveryStage() {
        assertThat(RouteFiles.problem("file:routes/*.camel.yaml", Path.of(""))).isEmpty();
    }

    @Test
    void anEmptyRoutesDirectoryIsNamed(@TempDir Path dir) throws IOException {
        Files.createDirectories(dir.resolve("routes"));
        assertThat(RouteFiles.problem("file:routes/*.camel.yaml", dir)).hasValueSatisfying(p -> assertThat(p)
                .startsWith("no route files: nothing in " + dir.resolve("routes") + " matches *.camel.yaml"));
    }

    @Test
    void aMissingRoutesDirectoryIsNamed(@TempDir Path dir) {
        assertThat(RouteFiles.problem("file:routes/*.camel.yaml", dir)).hasValueSatisfying(p -> assertThat(p)
                .contains("the routes directory " + dir.resolve("routes") + " does not exist"));
    }

    @Test
    void aMissingStageIsNamedWithItsEndpoint(@TempDir Path dir) throws IOException {
        copyOfRoutes(dir, "recovery.camel.yaml");
        assertThat(RouteFiles.problem("file:routes/*.camel.yaml", dir)).hasValueSatisfying(p -> assertThat(p)
                .contains("lack the stage routes DrainPilot needs: recovery (direct:recovery), stage-error (direct:stage-error)"));
    }

    @Test
    void anExtraRouteFileOfOpsIsFine(@TempDir Path dir) throws IOException {
        Path routes = copyOfRoutes(dir);
        Files.writeString(routes.resolve("extra.camel.yaml"), "- route:\n    id: extra\n    from:\n      uri: direct:x\n      steps:\n        - log: hi\n");
        assertThat(RouteFiles.problem("file:routes/*.camel.yaml", dir)).isEmpty();
    }

    @Test
    void aPatternWithoutFilesOnDiskIsLeftToCamel() {
        assertThat(RouteFiles.problem("classpath:routes/*.yaml", Path.of(""))).isEmpty();
        assertThat(RouteFiles.problem("", Path.of(""))).hasValueSatisfying(p -> assertThat(p).contains("not set"));
    }
}
