package dev.streaminfer.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streaminfer.contract.redis.RedisKeys;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every metric named in {@code docs/metrics.md} is really exported: the job runs with Flink's
 * Prometheus reporter on a free port, a good request, a poison record and an over-quota request go
 * through, and both {@code /metrics} endpoints (Flink reporter, ingest API) are scraped. The table
 * is parsed from the file, so documentation and exports cannot drift apart.
 */
class MetricsExportITCase {

    private static final int PROM_PORT = freePort();

    /** The shared cluster shape plus the reporter: its own extension, so this class does not extend the base. */
    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = PipelineITCaseBase.miniCluster(reporterConfiguration(PROM_PORT));

    private final HttpClient http = HttpClient.newHttpClient();

    static Configuration reporterConfiguration(int port) {
        Configuration conf = new Configuration();
        conf.setString("metrics.reporter.prom.factory.class",
                "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
        conf.setString("metrics.reporter.prom.port", Integer.toString(port));
        return conf;
    }

    @Test
    void everyDocumentedMetricIsExported() throws Exception {
        List<MetricsTable.Entry> documented = MetricsTable.read();
        assertThat(documented).as("documented metrics").hasSizeGreaterThan(10);

        try (LogScan logs = new LogScan(); PipelineFixture fixture = new PipelineFixture()) {
            fixture.startJob();
            int apiPort = fixture.startApi(api -> api.jobMetricsUrls(
                    List.of(URI.create("http://localhost:" + PROM_PORT + "/metrics")))).port();

            // An over-quota user: a daily budget of one token, applied before its request arrives.
            String tightUser = fixture.userId + "-0";
            fixture.produce(fixture.quotaTopic, tightUser.getBytes(StandardCharsets.UTF_8),
                    ("{\"type\":\"plan\",\"user_id\":\"" + tightUser + "\",\"tokens_per_day\":1}")
                            .getBytes(StandardCharsets.UTF_8));
            awaitTightPlan(fixture, tightUser);

            HttpResponse<String> accepted = fixture.post("/v1/inference", "{\"inputs\":[\"metrics are exported\"]}");
            assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
            fixture.produce(fixture.requestsTopic, fixture.userId.getBytes(StandardCharsets.UTF_8),
                    "{\"request_id\": 42".getBytes(StandardCharsets.UTF_8));
            List<String> overQuota = fixture.produceRequests(1, 1, "over quota");

            JsonNode done = fixture.awaitFinal(fixture.json(accepted.body()).path("request_id").asText(), Duration.ofSeconds(90));
            assertThat(done.path("status").asText()).isEqualTo("completed");
            assertThat(fixture.awaitResultRow(overQuota.get(0), Duration.ofSeconds(60)).status()).isEqualTo("rejected");

            String job = "";
            String api = "";
            List<String> missing = List.of();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            do {
                if (!missing.isEmpty()) Thread.sleep(1000);
                job = scrape("http://localhost:" + PROM_PORT + "/metrics");
                api = scrape("http://localhost:" + apiPort + "/metrics");
                missing = missing(documented, job, api);
            } while (!missing.isEmpty() && System.nanoTime() < deadline);
            Path dump = Path.of("target", "metrics-scrape");
            Files.createDirectories(dump);
            Files.writeString(dump.resolve("job.txt"), job);
            Files.writeString(dump.resolve("api.txt"), api);
            assertThat(missing).as("documented metrics not exported (scrapes in %s)", dump.toAbsolutePath()).isEmpty();

            // The traffic above is visible in the values, not only in the names.
            assertThat(sum(job, "flink_taskmanager_job_task_operator_dlq_records_total")).isGreaterThanOrEqualTo(1);
            assertThat(sum(job, "flink_taskmanager_job_task_operator_quota_rejections_total")).isGreaterThanOrEqualTo(1);
            assertThat(sum(job, "flink_taskmanager_job_task_operator_model_ml_tokens_processed_total")).isPositive();
            assertThat(sum(api, "ingest_http_requests_total")).isPositive();

            // What the admin sees of the model cache is what the TaskManager holds: the model's ONNX file.
            long onnxBytes;
            try (var in = getClass().getResourceAsStream("/all-minilm-l6-v2-q.onnx")) {
                onnxBytes = in.readAllBytes().length;
            }
            JsonNode stats = fixture.json(http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + apiPort
                    + "/v1/admin/stats")).header("Authorization", "Bearer " + fixture.adminKey).GET().build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            assertThat(stats.path("unavailable")).as(stats.toString()).isEmpty();
            assertThat(stats.path("models")).as(stats.toString()).singleElement().satisfies(m -> {
                assertThat(m.path("model").asText()).isEqualTo("all-minilm-l6-v2-q");
                assertThat(m.path("bytes").asLong()).isEqualTo(onnxBytes);
                assertThat(m.path("uses").asLong()).isPositive();
                assertThat(m.path("task_manager").asText()).isNotBlank();
            });

            // The same run's logs (API and job, one JVM): never an API key or an input text.
            List<String> lines = List.copyOf(logs.lines);
            assertThat(lines).as("captured log lines").isNotEmpty();
            for (String secret : List.of(fixture.apiKey, fixture.adminKey, "metrics are exported", "over quota number 0")) {
                assertThat(lines).as("log lines containing %s", secret).noneMatch(line -> line.contains(secret));
            }
        }
    }

    private static List<String> missing(List<MetricsTable.Entry> documented, String job, String api) {
        List<String> missing = new ArrayList<>();
        for (MetricsTable.Entry e : documented) {
            String scrape = e.source() == MetricsTable.Source.API ? api : job;
            if (!MetricsTable.exported(scrape, e.name())) {
                missing.add(e.source() + " " + e.name());
            }
        }
        return missing;
    }

    /** Sum of every sample of {@code name} (all label sets). */
    private static double sum(String scrape, String name) {
        double total = 0;
        for (String line : scrape.split("\n")) {
            if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
                String[] parts = line.trim().split(" ");
                total += Double.parseDouble(parts[parts.length - 1]);
            }
        }
        return total;
    }

    private String scrape(String url) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(url).isEqualTo(200);
        return response.body();
    }

    private static void awaitTightPlan(PipelineFixture fixture, String user) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            String json = fixture.redisGet(RedisKeys.usage(user));
            if (json != null && fixture.json(json).path("tokens_per_day").asLong() == 1) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the plan of " + user + " never reached the usage mirror");
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
