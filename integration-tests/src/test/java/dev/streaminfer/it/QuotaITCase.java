package dev.streaminfer.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streaminfer.contract.redis.RedisKeys;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import dev.streaminfer.contract.model.InferenceRequest;
import dev.streaminfer.contract.model.Priority;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.junit.jupiter.api.Test;

/** Token accounting over the real pipeline: exact under a TaskManager failure, and end to end through the API. */
class QuotaITCase extends PipelineITCaseBase {

    /** "hello world" is [CLS] hello world [SEP]: 4 tokens with the MiniLM tokenizer. */
    private static final int HELLO_WORLD_TOKENS = 4;

    @Test
    void chargesStayExactAcrossATaskManagerFailure(@InjectMiniCluster MiniCluster cluster) throws Exception {
        try (PipelineFixture fixture = new PipelineFixture()) {
            fixture.startJob();
            String tightUser = fixture.userId + "-0";
            // A small daily budget for one user, so rejections happen on both sides of the failure.
            fixture.produce(fixture.quotaTopic, tightUser.getBytes(StandardCharsets.UTF_8),
                    ("{\"type\":\"plan\",\"user_id\":\"" + tightUser + "\",\"tokens_per_day\":30}").getBytes(StandardCharsets.UTF_8));
            awaitMirror(fixture, tightUser, usage -> usage.path("tokens_per_day").asLong() == 30);

            // One submitted_at for all, inside today's UTC day: a midnight during the run cannot split the day.
            long submittedAt = Instant.now().truncatedTo(ChronoUnit.DAYS).plusSeconds(1).toEpochMilli();
            List<String> ids = new ArrayList<>(fixture.produceRequests(24, 4, "before", submittedAt));
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (fixture.finalRows(ids).size() < ids.size() / 2 && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            cluster.terminateTaskManager(0).get();
            ids.addAll(fixture.produceRequests(24, 4, "during", submittedAt));
            cluster.startTaskManager();

            Map<String, String> statuses = OneOutcome.assertEverywhere(fixture, fixture.inputs);
            assertThat(fixture.chargedToday(tightUser)).isLessThanOrEqualTo(30).isPositive();
            assertThat(statuses.values()).as("the tight budget rejected something").contains("rejected");
        }
    }

    @Test
    void dailyBudgetSetThroughTheAdminApiIsEnforcedExactly() throws Exception {
        try (PipelineFixture fixture = new PipelineFixture()) {
            fixture.startJob();
            fixture.startApi();
            HttpResponse<String> put = fixture.putAsAdmin("/v1/admin/quotas/" + fixture.userId, "{\"tokens_per_day\":1000}");
            assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
            awaitMirror(fixture, fixture.userId, usage -> usage.path("tokens_per_day").asLong() == 1000);

            // nine requests of 100 tokens: 900 used
            for (int i = 0; i < 9; i++) {
                assertThat(submitAndAwait(fixture, 25).path("status").asText()).isEqualTo("completed");
            }
            // 200 more would make 1100: the API refuses it at once (the mirror shows 100 left) ...
            HttpResponse<String> early = fixture.post("/v1/inference", helloWorlds(50));
            assertThat(early.statusCode()).as(early.body()).isEqualTo(429);
            assertThat(early.headers().firstValue("Retry-After")).isPresent();
            // ... and the job, the authority, rejects it when a producer writes it straight to Kafka
            String direct = "direct-over-" + fixture.suffix;
            long now = System.currentTimeMillis();
            fixture.produceRequests(List.of(new InferenceRequest(direct, fixture.userId, "all-minilm-l6-v2-q",
                    Collections.nCopies(50, "hello world").toArray(String[]::new), Priority.NORMAL, now + 60_000, now,
                    0, null)));
            PipelineFixture.Row over = fixture.awaitResultRow(direct, Duration.ofSeconds(60));
            assertThat(over.status()).isEqualTo("rejected");
            assertThat(over.errorCode()).isEqualTo("quota_exceeded");
            assertThat(over.chargedTokens()).isZero();
            // exactly the last 100 fit
            assertThat(submitAndAwait(fixture, 25).path("status").asText()).isEqualTo("completed");

            awaitMirror(fixture, fixture.userId, usage -> usage.path("remaining_today").asLong() == 0);
            HttpResponse<String> refused = fixture.post("/v1/inference", helloWorlds(1));
            assertThat(refused.statusCode()).isEqualTo(429);
            assertThat(refused.headers().firstValue("Retry-After")).isPresent();
            assertThat(fixture.json(refused.body()).at("/error/code").asText()).isEqualTo("quota_exceeded");

            JsonNode usage = fixture.json(fixture.get("/v1/usage").body());
            assertThat(usage.path("user_id").asText()).isEqualTo(fixture.userId);
            assertThat(usage.path("tokens_per_day").asLong()).isEqualTo(1000);
            assertThat(usage.path("used_today").asLong()).isEqualTo(1000);
            assertThat(usage.path("remaining_today").asLong()).isZero();
            assertThat(Instant.parse(usage.path("resets_at").asText()))
                    .isEqualTo(Instant.now().truncatedTo(ChronoUnit.DAYS).plus(1, ChronoUnit.DAYS));
        }
    }

    private static String helloWorlds(int n) {
        return "{\"inputs\":[" + String.join(",", Collections.nCopies(n, "\"hello world\"")) + "]}";
    }

    /** Submits {@code n} × "hello world" (n × 4 tokens) and waits for its final document. */
    private static JsonNode submitAndAwait(PipelineFixture fixture, int n) throws Exception {
        HttpResponse<String> accepted = fixture.post("/v1/inference", helloWorlds(n));
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        JsonNode doc = fixture.awaitFinal(fixture.json(accepted.body()).path("request_id").asText(), Duration.ofSeconds(60));
        assertThat(doc.at("/usage/input_tokens").asInt()).isEqualTo(n * HELLO_WORLD_TOKENS);
        return doc;
    }

    private static JsonNode awaitMirror(PipelineFixture fixture, String user,
                                        java.util.function.Predicate<JsonNode> condition) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        JsonNode usage = null;
        while (System.nanoTime() < deadline) {
            String json = fixture.redisGet(RedisKeys.usage(user));
            if (json != null) {
                usage = fixture.json(json);
                if (condition.test(usage)) {
                    return usage;
                }
            }
            Thread.sleep(200);
        }
        throw new AssertionError("usage mirror of " + user + " never matched; last: " + usage);
    }
}
