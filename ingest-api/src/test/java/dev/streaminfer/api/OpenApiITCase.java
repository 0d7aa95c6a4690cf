package dev.streaminfer.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streaminfer.contract.redis.RedisKeys;
import dev.streaminfer.contract.model.RequestStatus;
import io.lettuce.core.SetArgs;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The OpenAPI document matches the server: every documented (method, path, status) is provoked
 * here (or, for outages, in {@link OutageITCase}) and answers exactly that status, and every
 * route the server has is documented.
 */
class OpenApiITCase {

    private final TestHttp http = SharedApi.http();

    private String accepted(String key) {
        return http.post("/v1/inference", key, "{\"inputs\":[\"openapi\"]}").json().path("request_id").asText();
    }

    private Map<String, Supplier<TestHttp.Response>> scenarios() {
        Map<String, Supplier<TestHttp.Response>> s = new LinkedHashMap<>();
        String ok = "{\"inputs\":[\"openapi\"]}";
        s.put("post /v1/inference 202", () -> http.post("/v1/inference", SharedApi.ALICE, ok));
        s.put("post /v1/inference 200", () -> {
            String user = "openapi-wait-" + UUID.randomUUID();
            String key = "k-" + user;
            var e = SharedApi.endpoints();
            dev.streaminfer.api.auth.ApiKeyStore.upsert(e.postgresUrl(), e.postgresUser(), e.postgresPassword(), key,
                    user, "user", "free");
            // The "job": completes the user's next request as soon as it appears.
            TopicReader reader = new TopicReader(SharedApi.endpoints().kafkaBootstrapServers(), "inference-requests");
            Thread job = new Thread(() -> completeNextRequestOf(reader, user));
            job.start();
            return http.post("/v1/inference?wait_ms=10000", key, ok);
        });
        s.put("post /v1/inference 400", () -> http.post("/v1/inference", SharedApi.ALICE, "{"));
        s.put("post /v1/inference 401", () -> http.post("/v1/inference", null, ok));
        s.put("post /v1/inference 404", () -> http.post("/v1/inference", SharedApi.ALICE,
                "{\"model\":\"none\",\"inputs\":[\"x\"]}"));
        s.put("post /v1/inference 409", () -> {
            String key = "busy-" + UUID.randomUUID();
            SharedApi.redis().set(RedisKeys.idempotency("it-alice", key),
                    "pending:someone-else:" + (System.currentTimeMillis() + 3_600_000L), SetArgs.Builder.ex(60));
            return http.post("/v1/inference", SharedApi.ALICE, ok, "Idempotency-Key", key);
        });
        s.put("post /v1/inference 422", () -> {
            String key = "reused-" + UUID.randomUUID();
            http.post("/v1/inference", SharedApi.ALICE, ok, "Idempotency-Key", key);
            return http.post("/v1/inference", SharedApi.ALICE, "{\"inputs\":[\"something else\"]}",
                    "Idempotency-Key", key);
        });
        s.put("post /v1/inference 413", () -> http.post("/v1/inference", SharedApi.ALICE,
                "{\"inputs\":[\"" + "a".repeat(1 << 20) + "\"]}"));
        s.put("post /v1/inference 429", () -> http.post("/v1/inference", spentUserKey(), ok));
        String emb = "{\"input\":[\"openapi\"]}";
        s.put("post /v1/embeddings 200", () -> embeddingsAnsweredWith(RequestStatus.COMPLETED));
        s.put("post /v1/embeddings 400", () -> http.post("/v1/embeddings", SharedApi.ALICE, "{\"input\":[1,2]}"));
        s.put("post /v1/embeddings 401", () -> http.post("/v1/embeddings", null, emb));
        s.put("post /v1/embeddings 404", () -> http.post("/v1/embeddings", SharedApi.ALICE,
                "{\"model\":\"none\",\"input\":\"x\"}"));
        s.put("post /v1/embeddings 409", () -> embeddingsAnsweredWith(RequestStatus.CANCELLED));
        s.put("post /v1/embeddings 413", () -> http.post("/v1/embeddings", SharedApi.ALICE,
                "{\"input\":\"" + "a".repeat(1 << 20) + "\"}"));
        s.put("post /v1/embeddings 429", () -> http.post("/v1/embeddings", spentUserKey(), emb));
        s.put("post /v1/embeddings 502", () -> embeddingsAnsweredWith(RequestStatus.FAILED));
        s.put("post /v1/embeddings 504", () -> http.post("/v1/embeddings", SharedApi.BOB, emb));
        s.put("get /v1/requests 200", () -> http.get("/v1/requests?limit=5", SharedApi.ALICE));
        s.put("get /v1/requests 400", () -> http.get("/v1/requests?limit=0", SharedApi.ALICE));
        s.put("get /v1/requests 401", () -> http.get("/v1/requests", null));
        s.put("get /v1/requests 403", () -> http.get("/v1/requests?user_id=it-bob", SharedApi.ALICE));
        s.put("get /v1/requests/{id} 200", () -> http.get("/v1/requests/" + accepted(SharedApi.ALICE), SharedApi.ALICE));
        s.put("get /v1/requests/{id} 401", () -> http.get("/v1/requests/x", null));
        s.put("get /v1/requests/{id} 404", () -> http.get("/v1/requests/" + accepted(SharedApi.ALICE), SharedApi.BOB));
        s.put("get /v1/requests/{id}/events 200", () -> {
            String id = accepted(SharedApi.ALICE);
            SubmitAndStatusITCase.writeResult(id, "it-alice", RequestStatus.COMPLETED); // final: the stream ends
            return http.get("/v1/requests/" + id + "/events", SharedApi.ALICE);
        });
        s.put("get /v1/requests/{id}/events 401", () -> http.get("/v1/requests/x/events", null));
        s.put("get /v1/requests/{id}/events 404", () -> http.get("/v1/requests/" + accepted(SharedApi.ALICE)
                + "/events", SharedApi.BOB));
        s.put("delete /v1/requests/{id} 202", () -> http.delete("/v1/requests/" + accepted(SharedApi.ALICE),
                SharedApi.ALICE));
        s.put("delete /v1/requests/{id} 401", () -> http.delete("/v1/requests/x", null));
        s.put("delete /v1/requests/{id} 404", () -> http.delete("/v1/requests/nope", SharedApi.ALICE));
        s.put("delete /v1/requests/{id} 409", () -> {
            String id = accepted(SharedApi.ALICE);
            SubmitAndStatusITCase.writeResultWith(id, "it-alice", RequestStatus.FAILED);
            return http.delete("/v1/requests/" + id, SharedApi.ALICE);
        });
        s.put("get /v1/usage 200", () -> http.get("/v1/usage", SharedApi.BOB));
        s.put("get /v1/usage 401", () -> http.get("/v1/usage", "nope"));
        s.put("get /v1/models 200", () -> http.get("/v1/models", SharedApi.BOB));
        s.put("get /v1/models 401", () -> http.get("/v1/models", null));
        s.put("put /v1/admin/quotas/{user_id} 200", () -> http.put("/v1/admin/quotas/openapi-user", SharedApi.ADMIN,
                "{\"tokens_per_minute\":100}"));
        s.put("put /v1/admin/quotas/{user_id} 400", () -> http.put("/v1/admin/quotas/openapi-user", SharedApi.ADMIN,
                "{\"tokens_per_minute\":-1}"));
        s.put("put /v1/admin/quotas/{user_id} 401", () -> http.put("/v1/admin/quotas/openapi-user", null, "{}"));
        s.put("put /v1/admin/quotas/{user_id} 403", () -> http.put("/v1/admin/quotas/openapi-user", SharedApi.BOB,
                "{\"tokens_per_minute\":100}"));
        s.put("get /v1/admin/stats 200", () -> http.get("/v1/admin/stats", SharedApi.ADMIN));
        s.put("get /v1/admin/stats 401", () -> http.get("/v1/admin/stats", null));
        s.put("get /v1/admin/stats 403", () -> http.get("/v1/admin/stats", SharedApi.BOB));
        s.put("get /healthz 200", () -> http.get("/healthz", null));
        s.put("get /readyz 200", () -> http.get("/readyz", null));
        s.put("get /metrics 200", () -> http.get("/metrics", null));
        s.put("get /openapi.json 200", () -> http.get("/openapi.json", null));
        s.put("get /docs 200", () -> http.get("/docs", null));
        return s;
    }

    @Test
    void every_documented_route_and_status_is_real() {
        JsonNode doc = http.get("/openapi.json", null).json();
        assertThat(doc.path("openapi").asText()).startsWith("3.");
        Set<String> documented = new TreeSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths = doc.path("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> path = paths.next();
            for (Iterator<Map.Entry<String, JsonNode>> ops = path.getValue().fields(); ops.hasNext(); ) {
                Map.Entry<String, JsonNode> op = ops.next();
                op.getValue().path("responses").fieldNames().forEachRemaining(status ->
                        documented.add(op.getKey() + " " + path.getKey() + " " + status));
            }
        }
        Map<String, Supplier<TestHttp.Response>> scenarios = scenarios();
        Set<String> covered = new TreeSet<>(scenarios.keySet());
        covered.addAll(OutageITCase.COVERED);
        assertThat(covered).as("scenarios = documented answers").isEqualTo(documented);

        scenarios.forEach((name, call) -> {
            TestHttp.Response r = call.get();
            int expected = Integer.parseInt(name.substring(name.lastIndexOf(' ') + 1));
            assertThat(r.status()).as(name + " -> " + r.body()).isEqualTo(expected);
            if (expected >= 400) {
                assertThat(r.errorCode()).as(name).isNotBlank();
            }
        });
    }

    private static void completeNextRequestOf(TopicReader reader, String user) {
        finishNextRequestOf(reader, user, RequestStatus.COMPLETED);
    }

    private static void finishNextRequestOf(TopicReader reader, String user, RequestStatus status) {
        try (reader) {
            var records = reader.await(r -> new String(r.key()).equals(user), 1, java.time.Duration.ofSeconds(10));
            if (!records.isEmpty()) {
                String id = SubmitAndStatusITCase.decode(records.get(0)).requestId();
                SubmitAndStatusITCase.writeResultWith(id, user, status);
            }
        }
    }

    /** A user of its own whose next POST /v1/embeddings the "job" ends with {@code status}. */
    private TestHttp.Response embeddingsAnsweredWith(RequestStatus status) {
        String user = "openapi-emb-" + UUID.randomUUID();
        var e = SharedApi.endpoints();
        dev.streaminfer.api.auth.ApiKeyStore.upsert(e.postgresUrl(), e.postgresUser(), e.postgresPassword(),
                "k-" + user, user, "user", "pro");
        TopicReader reader = new TopicReader(e.kafkaBootstrapServers(), "inference-requests");
        new Thread(() -> finishNextRequestOf(reader, user, status)).start();
        return http.post("/v1/embeddings", "k-" + user, "{\"input\":[\"openapi\"]}");
    }

    /** The key of a fresh user whose usage mirror shows nothing left today. */
    private static String spentUserKey() {
        String user = "openapi-spent-" + UUID.randomUUID();
        var e = SharedApi.endpoints();
        dev.streaminfer.api.auth.ApiKeyStore.upsert(e.postgresUrl(), e.postgresUser(), e.postgresPassword(),
                "k-" + user, user, "user", "free");
        SharedApi.redis().set(RedisKeys.usage(user), new dev.streaminfer.contract.quota.UsageDocument(user, "free",
                10_000L, 200_000L, 200_000, 0L, System.currentTimeMillis() + 60_000).encode(), SetArgs.Builder.ex(60));
        return "k-" + user;
    }
}
