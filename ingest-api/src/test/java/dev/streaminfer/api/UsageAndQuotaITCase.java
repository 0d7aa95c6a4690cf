package dev.streaminfer.api;

import dev.streaminfer.contract.quota.UsageDocument;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streaminfer.contract.quota.QuotaUpdateCodec;
import dev.streaminfer.contract.redis.RedisKeys;
import dev.streaminfer.contract.serde.Json;
import io.lettuce.core.SetArgs;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Usage, the fast 429 (a request that does not fit what is left), admin quota updates (unknown
 * plans refused) and key revocation, over the real services.
 */
class UsageAndQuotaITCase {

    private static TestHttp http;
    private static TopicReader requests;
    private static TopicReader quotaUpdates;

    @BeforeAll
    static void setUp() {
        http = SharedApi.http();
        requests = new TopicReader(SharedApi.endpoints().kafkaBootstrapServers(), "inference-requests");
        quotaUpdates = new TopicReader(SharedApi.endpoints().kafkaBootstrapServers(), "quota-updates");
    }

    @AfterAll
    static void tearDown() {
        requests.close();
        quotaUpdates.close();
    }

    private static String newUserKey(String user, String role, String plan) {
        String key = "it-key-" + UUID.randomUUID();
        var e = SharedApi.endpoints();
        dev.streaminfer.api.auth.ApiKeyStore.upsert(e.postgresUrl(), e.postgresUser(), e.postgresPassword(), key,
                user, role, plan);
        return key;
    }

    @Test
    void usage_without_a_mirror_shows_the_plan_and_nothing_used() {
        String user = "fresh-" + UUID.randomUUID();
        JsonNode usage = http.get("/v1/usage", newUserKey(user, "user", "pro")).json();
        assertThat(usage.path("user_id").asText()).isEqualTo(user);
        assertThat(usage.path("plan").asText()).isEqualTo("pro");
        assertThat(usage.path("used_today").asLong()).isZero();
        assertThat(Instant.parse(usage.path("resets_at").asText())).isAfter(Instant.now());
        // The pro plan's own limits, not "no limit" (null): 100,000 a minute, 5,000,000 a day.
        assertThat(usage.path("tokens_per_minute").asLong()).isEqualTo(100_000);
        assertThat(usage.path("tokens_per_day").asLong()).isEqualTo(5_000_000);
        assertThat(usage.path("remaining_today").asLong()).isEqualTo(5_000_000);
    }

    @Test
    void usage_reads_the_jobs_mirror_and_a_spent_budget_is_a_fast_429() {
        String user = "spent-" + UUID.randomUUID();
        String key = newUserKey(user, "user", "free");
        long resetsAtMillis = System.currentTimeMillis() + 3_600_000;
        String resetsAt = Instant.ofEpochMilli(resetsAtMillis).toString();
        SharedApi.redis().set(RedisKeys.usage(user), new UsageDocument(user, "free", 1000L, 10_000L, 10_000, 0L,
                resetsAtMillis).encode(), SetArgs.Builder.ex(600));

        JsonNode usage = http.get("/v1/usage", key).json();
        assertThat(usage.path("used_today").asLong()).isEqualTo(10000);
        assertThat(usage.path("remaining_today").asLong()).isZero();
        assertThat(usage.path("resets_at").asText()).isEqualTo(resetsAt);

        TestHttp.Response r = http.post("/v1/inference", key, "{\"inputs\":[\"" + user + "\"]}");
        assertThat(r.status()).isEqualTo(429);
        assertThat(r.errorCode()).isEqualTo("quota_exceeded");
        assertThat(Long.parseLong(r.header("Retry-After"))).isBetween(3590L, 3600L);
        assertThat(requests.collect(rec -> new String(rec.key(), StandardCharsets.UTF_8).equals(user),
                Duration.ofSeconds(1))).isEmpty();
    }

    private static void mirror(String user, long tokensPerMinute, long tokensPerDay, long usedToday, long resetsAt) {
        SharedApi.redis().set(RedisKeys.usage(user), new UsageDocument(user, "free", tokensPerMinute, tokensPerDay,
                usedToday, Math.max(0, tokensPerDay - usedToday), resetsAt).encode(), SetArgs.Builder.ex(600));
    }

    private List<ConsumerRecord<byte[], byte[]>> requestsOf(String user) {
        return requests.collect(rec -> new String(rec.key(), StandardCharsets.UTF_8).equals(user), Duration.ofSeconds(1));
    }

    @Test
    void a_request_larger_than_what_is_left_today_is_a_fast_429_before_the_budget_is_spent() {
        // A 1,000-token day with 999 used: remaining_today is 1, not 0, and no request fits it.
        String user = "nearly-spent-" + UUID.randomUUID();
        String key = newUserKey(user, "user", "free");
        long resetsAt = System.currentTimeMillis() + 3_600_000;
        mirror(user, 10_000, 1_000, 999, resetsAt);

        TestHttp.Response refused = http.post("/v1/inference", key, "{\"inputs\":[\"sixteen tokens or so\"]}");

        assertThat(refused.status()).as(refused.body()).isEqualTo(429);
        assertThat(refused.errorCode()).isEqualTo("quota_exceeded");
        assertThat(Long.parseLong(refused.header("Retry-After"))).isBetween(3590L, 3600L);
        assertThat(refused.json().path("error").path("message").asText()).contains("1 of 1000");
        assertThat(requestsOf(user)).isEmpty();

        mirror(user, 10_000, 1_000, 900, resetsAt);
        assertThat(http.post("/v1/inference", key, "{\"inputs\":[\"sixteen tokens or so\"]}").status())
                .as("it fits what is left").isEqualTo(202);
        assertThat(requestsOf(user)).hasSize(1);
    }

    @Test
    void a_request_larger_than_the_minute_capacity_is_429_without_retry_after() {
        String user = "tiny-minute-" + UUID.randomUUID();
        String key = newUserKey(user, "user", "free");
        mirror(user, 2, 1_000, 0, System.currentTimeMillis() + 3_600_000);

        TestHttp.Response refused = http.post("/v1/inference", key, "{\"inputs\":[\"more than two tokens\"]}");

        assertThat(refused.status()).as(refused.body()).isEqualTo(429);
        assertThat(refused.errorCode()).isEqualTo("quota_exceeded");
        assertThat(refused.header("Retry-After")).as("no wait helps").isNull();
        assertThat(refused.json().path("error").path("message").asText()).contains("per minute").contains("never");
        assertThat(requestsOf(user)).isEmpty();
    }

    @Test
    void an_unknown_plan_is_400_unknown_plan_and_changes_nothing() throws Exception {
        String user = "unknown-plan-" + UUID.randomUUID();

        TestHttp.Response r = http.put("/v1/admin/quotas/" + user, SharedApi.ADMIN, "{\"plan\":\"gold\"}");

        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.errorCode()).isEqualTo("unknown_plan");
        assertThat(quotaUpdates.collect(rec -> new String(rec.key(), StandardCharsets.UTF_8).equals(user),
                Duration.ofSeconds(1))).isEmpty();
        var e = SharedApi.endpoints();
        try (Connection c = DriverManager.getConnection(e.postgresUrl(), e.postgresUser(), e.postgresPassword());
             PreparedStatement ps = c.prepareStatement("SELECT 1 FROM api_quota_overrides WHERE user_id = ?")) {
            ps.setString(1, user);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isFalse();
            }
        }
    }

    @Test
    void a_plan_named_in_capitals_is_applied_as_the_job_reads_it() throws Exception {
        String user = "capital-plan-" + UUID.randomUUID();

        TestHttp.Response r = http.put("/v1/admin/quotas/" + user, SharedApi.ADMIN, "{\"plan\":\"PRO\"}");

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().path("plan").asText()).isEqualTo("pro");
        QuotaUpdateCodec.Decoded sent = QuotaUpdateCodec.decode(quotaUpdates.await(
                rec -> new String(rec.key(), StandardCharsets.UTF_8).equals(user), 1, Duration.ofSeconds(10))
                .get(0).value(), 0);
        assertThat(sent.update().plan()).isEqualTo("pro");
    }

    @Test
    void admin_quota_update_writes_the_complete_state_to_the_compacted_topic_and_postgres() throws Exception {
        String user = "quota-" + UUID.randomUUID();
        String userKey = newUserKey(user, "user", "free");

        TestHttp.Response first = http.put("/v1/admin/quotas/" + user, SharedApi.ADMIN,
                "{\"plan\":\"pro\",\"tokens_per_minute\":5000}");
        TestHttp.Response second = http.put("/v1/admin/quotas/" + user, SharedApi.ADMIN, "{\"tokens_per_day\":90000}");

        assertThat(first.status()).as(first.body()).isEqualTo(200);
        assertThat(second.status()).as(second.body()).isEqualTo(200);
        JsonNode state = second.json();
        assertThat(state.path("user_id").asText()).isEqualTo(user);
        assertThat(state.path("plan").asText()).isEqualTo("pro");
        assertThat(state.path("tokens_per_minute").asLong()).as("kept from the first update").isEqualTo(5000);
        assertThat(state.path("tokens_per_day").asLong()).isEqualTo(90000);

        List<ConsumerRecord<byte[], byte[]>> records = quotaUpdates.await(
                r -> new String(r.key(), StandardCharsets.UTF_8).equals(user), 2, Duration.ofSeconds(10));
        assertThat(records).hasSize(2);
        JsonNode last = Json.mapper().readTree(records.get(1).value());
        assertThat(last.path("user_id").asText()).isEqualTo(user);
        assertThat(last.path("plan").asText()).isEqualTo("pro");
        assertThat(last.path("tokens_per_minute").asLong()).isEqualTo(5000);
        assertThat(last.path("tokens_per_day").asLong()).isEqualTo(90000);
        assertThat(last.path("updated_at").isIntegralNumber()).isTrue();

        http.put("/v1/admin/quotas/" + user, SharedApi.ADMIN, "{\"tokens_per_minute\":null}");
        // The job reads the message with its own codec: the plan named, the per-minute limit back to the plan's.
        QuotaUpdateCodec.Decoded reset = QuotaUpdateCodec.decode(quotaUpdates.await(
                r -> new String(r.key(), StandardCharsets.UTF_8).equals(user), 3, Duration.ofSeconds(10)).get(2).value(), 0);
        assertThat(reset.isValid()).as(String.valueOf(reset.failure())).isTrue();
        assertThat(reset.update().plan()).isEqualTo("pro");
        assertThat(reset.update().tokensPerMinute()).isNull();
        assertThat(reset.update().tokensPerDay()).isEqualTo(90000L);

        var e = SharedApi.endpoints();
        try (Connection c = DriverManager.getConnection(e.postgresUrl(), e.postgresUser(), e.postgresPassword());
             PreparedStatement ps = c.prepareStatement(
                     "SELECT plan, tokens_per_day, updated_by FROM api_quota_overrides WHERE user_id = ?")) {
            ps.setString(1, user);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("pro");
                assertThat(rs.getLong(2)).isEqualTo(90000);
                assertThat(rs.getString(3)).isEqualTo("it-admin");
            }
        }
        // The user's own view follows (after the key cache lifetime, for the plan on the key).
        Thread.sleep(1_100);
        JsonNode usage = http.get("/v1/usage", userKey).json();
        assertThat(usage.path("plan").asText()).isEqualTo("pro");
        assertThat(usage.path("tokens_per_day").asLong()).isEqualTo(90000);
    }

    @Test
    void revoked_key_stops_working_within_the_cache_lifetime() throws Exception {
        String key = newUserKey("revoked-" + UUID.randomUUID(), "user", "free");
        assertThat(http.get("/v1/usage", key).status()).isEqualTo(200);
        var e = SharedApi.endpoints();
        dev.streaminfer.api.auth.ApiKeyStore.revoke(e.postgresUrl(), e.postgresUser(), e.postgresPassword(), key);

        long t0 = System.nanoTime();
        int status = 200;
        while (status == 200 && System.nanoTime() - t0 < Duration.ofSeconds(5).toNanos()) {
            status = http.get("/v1/usage", key).status();
            Thread.sleep(50);
        }
        assertThat(status).isEqualTo(401);
        assertThat((System.nanoTime() - t0) / 1_000_000).as("cache ttl is 1 s in these tests").isLessThan(2_000);
    }
}
