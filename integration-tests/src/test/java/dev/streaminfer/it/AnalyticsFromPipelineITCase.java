package dev.streaminfer.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streaminfer.contract.model.InferenceRequest;
import dev.streaminfer.contract.model.Priority;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The analysts' views over rows the real pipeline wrote: a known set of requests (completed,
 * rejected for quota, expired, poison) goes through Kafka and the job, and each view must return
 * exactly the numbers worked out by hand below.
 */
class AnalyticsFromPipelineITCase extends PipelineITCaseBase {

    private static final String MODEL = "all-minilm-l6-v2-q";
    /** "hello world" → [CLS] hello world [SEP] */
    private static final int TOKENS = 4;

    @Test
    void viewsCountExactlyWhatThePipelineDid() throws Exception {
        try (PipelineFixture fixture = new PipelineFixture()) {
            fixture.startJob();
            String tight = fixture.userId + "-tight";
            String late = fixture.userId + "-late";
            fixture.produce(fixture.quotaTopic, tight.getBytes(StandardCharsets.UTF_8),
                    ("{\"type\":\"plan\",\"user_id\":\"" + tight + "\",\"tokens_per_day\":" + (2 * TOKENS) + "}")
                            .getBytes(StandardCharsets.UTF_8));
            awaitMirror(fixture, tight);

            // one submitted_at inside today's UTC day, so a midnight during the run cannot split the day
            Instant day = Instant.now().truncatedTo(ChronoUnit.DAYS);
            long submittedAt = day.plusSeconds(1).toEpochMilli();
            long future = System.currentTimeMillis() + 600_000;
            List<InferenceRequest> requests = List.of(
                    request(fixture, "t1", tight, submittedAt, future),    // completed, 4 tokens
                    request(fixture, "t2", tight, submittedAt, future),    // completed, 8 of 8 used
                    request(fixture, "t3", tight, submittedAt, future),    // rejected: quota_exceeded
                    request(fixture, "l1", late, submittedAt, future),     // completed
                    request(fixture, "l2", late, submittedAt, submittedAt + 1),  // expired
                    request(fixture, "l3", late, submittedAt, submittedAt + 1)); // expired
            fixture.produceRequests(requests);
            fixture.produce(fixture.requestsTopic, late.getBytes(StandardCharsets.UTF_8), "not json".getBytes(StandardCharsets.UTF_8));
            fixture.produce(fixture.requestsTopic, late.getBytes(StandardCharsets.UTF_8), "{\"user_id\":1}".getBytes(StandardCharsets.UTF_8));

            List<String> ids = requests.stream().map(InferenceRequest::requestId).toList();
            fixture.awaitFinalRows(ids, Duration.ofSeconds(120));
            List<String> users = List.of(tight, late);
            String date = day.atOffset(ZoneOffset.UTC).toLocalDate().toString();

            try (Connection c = fixture.postgres()) {
                assertThat(rows(c, "SELECT day, user_id, model, requests, completed, rejected, expired, failed,"
                        + " cancelled, queued, input_tokens, charged_tokens FROM usage_daily WHERE user_id = ANY(?)", users))
                        .containsExactlyInAnyOrder(
                                date + "|" + tight + "|" + MODEL + "|3|2|1|0|0|0|0|12|8",
                                date + "|" + late + "|" + MODEL + "|3|1|0|2|0|0|0|12|4");

                assertThat(rows(c, "SELECT day, user_id, status, error_code, requests, input_tokens"
                        + " FROM rejections_daily WHERE user_id = ANY(?)", users))
                        .containsExactlyInAnyOrder(
                                date + "|" + tight + "|rejected|quota_exceeded|1|4",
                                date + "|" + late + "|expired|deadline_exceeded|2|8");

                // 0.002 USD per 1k tokens for MiniLM: 8 tokens = 0.000016, 4 tokens = 0.000008
                assertThat(rows(c, "SELECT user_id, charged_tokens, round(cost_usd, 8), unpriced_tokens"
                        + " FROM cost_per_user_month WHERE user_id = ANY(?)", users))
                        .containsExactlyInAnyOrder(tight + "|8|0.00001600|0", late + "|4|0.00000800|0");
            }
            assertThat(fixture.consume(fixture.dlqTopic, r -> r.size() >= 2, Duration.ofSeconds(60))).hasSize(2);
        }
    }

    private static InferenceRequest request(PipelineFixture fixture, String name, String user, long submittedAt, long deadline) {
        return new InferenceRequest("an-" + fixture.suffix + "-" + name, user, MODEL, new String[] {"hello world"},
                Priority.NORMAL, deadline, submittedAt, 0, null);
    }

    private static void awaitMirror(PipelineFixture fixture, String user) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            String usage = fixture.redisGet(dev.streaminfer.contract.redis.RedisKeys.usage(user));
            if (usage != null && fixture.json(usage).path("tokens_per_day").asLong() == 2 * TOKENS) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the plan of " + user + " never reached the job");
    }

    private static List<String> rows(Connection c, String sql, List<String> users) throws Exception {
        List<String> out = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement(sql)) {
            s.setArray(1, c.createArrayOf("text", users.toArray()));
            try (ResultSet r = s.executeQuery()) {
                int n = r.getMetaData().getColumnCount();
                while (r.next()) {
                    StringBuilder row = new StringBuilder();
                    for (int i = 1; i <= n; i++) {
                        row.append(i > 1 ? "|" : "").append(r.getString(i));
                    }
                    out.add(row.toString());
                }
            }
        }
        return out;
    }
}
