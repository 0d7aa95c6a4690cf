package dev.streaminfer.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streaminfer.contract.model.InferenceResult;
import dev.streaminfer.contract.redis.RedisKeys;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.SoftAssertions;

/**
 * The delivery check, from sources independent of the job's bookkeeping: for every request, its
 * PostgreSQL row, its Redis document and its records in the {@code read_committed} results topic
 * exist, the topic holds exactly one, and all three agree on status and charge; a completed
 * request costs exactly the tokens {@link ReferenceTokens} counts in the texts the test sent, any
 * other nothing; and per user the job's quota state (its usage document) and PostgreSQL's charged
 * tokens today both equal the sum of those counts.
 */
final class OneOutcome {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** What the API writes before the job decides. */
    private static final java.util.Set<String> NOT_FINAL = java.util.Set.of("queued", "cancel_requested");

    private OneOutcome() {}

    /**
     * @param inputs the texts of every request of the users involved today, by request id
     * @return the final status of each request
     */
    static Map<String, String> assertEverywhere(PipelineFixture fixture, Map<String, List<String>> inputs)
            throws Exception {
        List<String> ids = new ArrayList<>(inputs.keySet());
        fixture.awaitFinalRows(ids, Duration.ofSeconds(180));
        Map<String, String[]> postgres = fixture.finalRows(ids);
        Map<String, List<InferenceResult>> committed = fixture.committedResults(ids, Duration.ofSeconds(90));
        Map<String, String> redis = awaitRedisDocuments(fixture, ids);

        SoftAssertions softly = new SoftAssertions();
        Map<String, String> statuses = new LinkedHashMap<>();
        Map<String, Long> owedPerUser = new HashMap<>();
        for (String id : ids) {
            String[] row = postgres.get(id);
            String status = row[0];
            long charged = Long.parseLong(row[1]);
            statuses.put(id, status);
            List<InferenceResult> records = committed.getOrDefault(id, List.of());
            softly.assertThat(records).as("committed results of %s", id).hasSize(1);
            records.forEach(r -> softly.assertThat(r.status().name().toLowerCase() + "/" + r.chargedTokens())
                    .as("results topic vs PostgreSQL for %s", id).isEqualTo(status + "/" + charged));
            JsonNode doc = JSON.readTree(redis.get(id));
            softly.assertThat(doc.path("status").asText() + "/" + doc.at("/usage/charged_tokens").asLong())
                    .as("Redis vs PostgreSQL for %s", id).isEqualTo(status + "/" + charged);
            long owed = status.equals("completed") ? ReferenceTokens.count(inputs.get(id)) : 0;
            softly.assertThat(charged).as("charge of %s (%s)", id, status).isEqualTo(owed);
            owedPerUser.merge(records.isEmpty() ? doc.path("user_id").asText() : records.get(0).userId(), owed, Long::sum);
        }
        softly.assertAll();

        for (Map.Entry<String, Long> user : owedPerUser.entrySet()) {
            // Refunds reach the quota state one checkpoint after the rows: allow them time.
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (fixture.usedToday(user.getKey()) != user.getValue() && System.nanoTime() < deadline) {
                Thread.sleep(300);
            }
            assertThat(fixture.usedToday(user.getKey())).as("quota state of %s", user.getKey()).isEqualTo(user.getValue());
            assertThat(fixture.chargedToday(user.getKey())).as("PostgreSQL charges of %s", user.getKey())
                    .isEqualTo(user.getValue());
        }
        return statuses;
    }

    private static Map<String, String> awaitRedisDocuments(PipelineFixture fixture, List<String> ids) throws Exception {
        Map<String, String> docs = new HashMap<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (docs.size() < ids.size() && System.nanoTime() < deadline) {
            for (String id : ids) {
                String doc = fixture.redisGet(RedisKeys.result(id));
                if (doc != null && !NOT_FINAL.contains(JSON.readTree(doc).path("status").asText())) {
                    docs.put(id, doc);
                }
            }
            if (docs.size() < ids.size()) {
                Thread.sleep(200);
            }
        }
        assertThat(ids).as("requests with a Redis document").allMatch(docs::containsKey);
        return docs;
    }
}
