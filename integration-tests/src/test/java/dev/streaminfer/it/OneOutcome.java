package dev.streaminfer.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streaminfer.contract.model.InferenceResult;
import dev.streaminfer.contract.redis.RedisKeys;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

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
    private static final Set<String> NOT_FINAL = Set.of("queued", "cancel_requested");

    enum Kind { LOST, DOUBLED, DOUBLE_CHARGED, MISMATCHED }

    /** One disagreement: a request's ({@code requestId}) or a user's totals ({@code requestId} null). */
    record Finding(Kind kind, String requestId, String userId, String detail) {
        @Override
        public String toString() {
            return kind.name().toLowerCase(Locale.ROOT) + " " + (requestId != null ? requestId : "user " + userId)
                    + ": " + detail;
        }
    }

    /** The final status of every request that has one in PostgreSQL, and every disagreement. */
    record Outcomes(Map<String, String> statuses, List<Finding> findings) {}

    private OneOutcome() {}

    /**
     * Fails unless every request has one outcome everywhere.
     *
     * @param inputs the texts of every request of the users involved today, by request id
     * @return the final status of each request
     */
    static Map<String, String> assertEverywhere(PipelineFixture fixture, Map<String, List<String>> inputs)
            throws Exception {
        Outcomes outcomes = check(fixture, inputs, Map.of(), Duration.ofSeconds(180));
        assertThat(outcomes.findings()).as("requests and users without one outcome everywhere").isEmpty();
        return outcomes.statuses();
    }

    /**
     * Waits up to {@code timeout} for every request's row, then compares the sinks and the quota
     * state, reporting each disagreement instead of failing at the first.
     *
     * @param inputs the texts of every request of the users involved today, by request id
     * @param users who sent each request, where the test knows it (a lost request's user is
     *     otherwise unknown, and a user all of whose requests were lost would go unchecked)
     */
    static Outcomes check(PipelineFixture fixture, Map<String, List<String>> inputs, Map<String, String> users,
            Duration timeout) throws Exception {
        List<String> ids = new ArrayList<>(inputs.keySet());
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, String[]> postgres = fixture.finalRows(ids);
        while (postgres.size() < ids.size() && System.nanoTime() < deadline) {
            Thread.sleep(500);
            postgres = fixture.finalRows(ids);
        }
        Map<String, List<InferenceResult>> committed = fixture.committedResults(ids, Duration.ofSeconds(90));
        Map<String, JsonNode> redis = awaitRedisDocuments(fixture, ids, Duration.ofSeconds(60));

        List<Finding> findings = new ArrayList<>();
        Map<String, String> statuses = new LinkedHashMap<>();
        Map<String, Long> owedPerUser = new HashMap<>();
        Set<String> involved = new LinkedHashSet<>(users.values());
        for (String id : ids) {
            String[] row = postgres.get(id);
            JsonNode doc = redis.get(id);
            List<InferenceResult> records = committed.getOrDefault(id, List.of());
            String user = users.getOrDefault(id, !records.isEmpty() ? records.get(0).userId()
                    : doc != null ? doc.path("user_id").asText() : null);
            if (row == null || doc == null || records.isEmpty()) {
                findings.add(new Finding(Kind.LOST, id, user, "postgres=" + (row == null ? "missing" : row[0])
                        + " redis=" + (doc == null ? "missing" : doc.path("status").asText())
                        + " kafka=" + records.size() + " record(s), " + inputs.get(id).size() + " input(s)"));
                continue;
            }
            String status = row[0];
            long charged = Long.parseLong(row[1]);
            statuses.put(id, status);
            involved.add(user);
            if (records.size() > 1) {
                findings.add(new Finding(Kind.DOUBLED, id, user, records.size() + " committed results records"));
            }
            String agreed = status + "/" + charged;
            String inRedis = doc.path("status").asText() + "/" + doc.at("/usage/charged_tokens").asLong();
            List<String> inKafka = records.stream()
                    .map(r -> r.status().name().toLowerCase(Locale.ROOT) + "/" + r.chargedTokens()).toList();
            if (!inRedis.equals(agreed) || inKafka.stream().anyMatch(k -> !k.equals(agreed))) {
                findings.add(new Finding(Kind.MISMATCHED, id, user,
                        "postgres=" + agreed + " redis=" + inRedis + " kafka=" + inKafka));
            }
            long owed = status.equals("completed") ? ReferenceTokens.count(inputs.get(id)) : 0;
            owedPerUser.merge(user, owed, Long::sum);
            if (charged != owed) {
                findings.add(new Finding(charged > owed ? Kind.DOUBLE_CHARGED : Kind.MISMATCHED, id, user,
                        "charged " + charged + " as " + status + ", owes " + owed));
            }
        }
        findings.addAll(checkUsers(fixture, involved, owedPerUser));
        return new Outcomes(statuses, findings);
    }

    /** Per user: PostgreSQL's charges today = the job's quota state = what the completed requests owe. */
    private static List<Finding> checkUsers(PipelineFixture fixture, Collection<String> users,
            Map<String, Long> owedPerUser) throws Exception {
        List<Finding> findings = new ArrayList<>();
        for (String user : users) {
            long owed = owedPerUser.getOrDefault(user, 0L);
            // Refunds reach the quota state one checkpoint after the rows: allow them time.
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            long billed = fixture.chargedToday(user);
            long used = fixture.usedToday(user);
            while ((billed != owed || used != owed) && System.nanoTime() < deadline) {
                Thread.sleep(300);
                billed = fixture.chargedToday(user);
                used = fixture.usedToday(user);
            }
            if (billed != owed || used != owed) {
                findings.add(new Finding(billed > owed || used > owed ? Kind.DOUBLE_CHARGED : Kind.MISMATCHED, null,
                        user, "postgres charged today " + billed + ", quota state used today " + used
                                + ", completed requests' tokens " + owed));
            }
        }
        return findings;
    }

    private static Map<String, JsonNode> awaitRedisDocuments(PipelineFixture fixture, List<String> ids,
            Duration timeout) throws Exception {
        Map<String, JsonNode> docs = new HashMap<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (String id : ids) {
                String doc = docs.containsKey(id) ? null : fixture.redisGet(RedisKeys.result(id));
                if (doc != null && !NOT_FINAL.contains(JSON.readTree(doc).path("status").asText())) {
                    docs.put(id, JSON.readTree(doc));
                }
            }
            if (docs.size() == ids.size()) {
                return docs;
            }
            if (System.nanoTime() >= deadline) {
                // What is there, final or not, so that a disagreement shows as one.
                for (String id : ids) {
                    String doc = docs.containsKey(id) ? null : fixture.redisGet(RedisKeys.result(id));
                    if (doc != null) {
                        docs.put(id, JSON.readTree(doc));
                    }
                }
                return docs;
            }
            Thread.sleep(200);
        }
    }
}
