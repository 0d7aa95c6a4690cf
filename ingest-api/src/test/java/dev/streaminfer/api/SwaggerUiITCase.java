package dev.streaminfer.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /docs} in a real browser: headless Chromium (Debian's {@code chromium}, installed by
 * {@code .ci/run}) loads the page, runs Swagger UI, which fetches {@code /openapi.json}, and the
 * rendered DOM lists every route of the document. Fails, never skips, without Chromium.
 */
class SwaggerUiITCase {

    private final TestHttp http = SharedApi.http();

    private static String chromium() {
        Optional<String> found = Stream.of("chromium", "chromium-browser")
                .flatMap(name -> Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                        .map(dir -> Path.of(dir, name)))
                .filter(Files::isExecutable).map(Path::toString).findFirst();
        assertThat(found).as("headless Chromium is needed for this test: apt-get install -y chromium (.ci/run does)")
                .isPresent();
        return found.get();
    }

    /** The DOM after Chromium ran the page's scripts (virtual time: no sleeps, no flakiness on a busy box). */
    private static String renderedDom(String url) throws Exception {
        Path profile = Files.createTempDirectory("chromium-profile");
        Path out = Files.createTempFile("dom", ".html");
        try {
            Process p = new ProcessBuilder(chromium(), "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-dev-shm-usage", "--no-first-run", "--user-data-dir=" + profile,
                    "--virtual-time-budget=30000", "--dump-dom", url)
                    .redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("chromium finished").isTrue();
            assertThat(p.exitValue()).as("chromium exit status").isZero();
            return Files.readString(out, StandardCharsets.UTF_8);
        } finally {
            Files.deleteIfExists(out);
            try (Stream<Path> files = Files.walk(profile)) {
                files.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            }
        }
    }

    @Test
    void theRenderedPageListsEveryOperationOfTheDocument() throws Exception {
        String dom = renderedDom("http://localhost:" + SharedApi.get().port() + "/docs");
        assertThat(dom).contains("swagger-ui");

        JsonNode doc = http.get("/openapi.json", null).json();
        int operations = 0;
        for (Iterator<Map.Entry<String, JsonNode>> paths = doc.path("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> path = paths.next();
            assertThat(dom).as("route %s rendered", path.getKey()).contains("data-path=\"" + path.getKey() + "\"");
            for (Iterator<Map.Entry<String, JsonNode>> ops = path.getValue().fields(); ops.hasNext(); ) {
                Map.Entry<String, JsonNode> op = ops.next();
                String id = op.getValue().path("operationId").asText();
                assertThat(dom).as("%s %s (%s) rendered", op.getKey(), path.getKey(), id)
                        .containsPattern("id=\"operations-[^\"]*-" + id + "\"");
                operations++;
            }
        }
        assertThat(operations).isGreaterThanOrEqualTo(14);
    }

    @Test
    void thePageLoadsNothingFromOutsideAndItsFilesComeFromTheJar() {
        TestHttp.Response page = http.get("/docs", null);
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.header("Content-Type")).startsWith("text/html");
        assertThat(page.body()).doesNotContain("http://", "https://", "//cdn");

        TestHttp.Response bundle = http.get("/docs/assets/swagger-ui-bundle.js", null);
        assertThat(bundle.status()).isEqualTo(200);
        assertThat(bundle.header("Content-Type")).startsWith("text/javascript");
        assertThat(bundle.body()).contains("SwaggerUIBundle");
        assertThat(http.get("/docs/assets/swagger-ui.css", null).status()).isEqualTo(200);

        TestHttp.Response other = http.get("/docs/assets/index.html", null);
        assertThat(other.status()).isEqualTo(404);
        assertThat(other.errorCode()).isEqualTo("not_found");
        assertThat(http.get("/docs/assets/..%2F..%2Fopenapi.json", null).status()).isEqualTo(404);
    }
}
