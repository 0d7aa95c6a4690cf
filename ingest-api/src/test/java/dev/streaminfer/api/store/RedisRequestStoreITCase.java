package dev.streaminfer.api.store;

import dev.streaminfer.contract.redis.RedisKeys;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.streaminfer.localstack.TestServices;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.SetArgs;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The contract against a real Redis, plus what only a real one shows (TTLs, outage). */
class RedisRequestStoreITCase extends RequestStoreContract {

    private static RedisClient client;
    private static StatefulRedisConnection<String, String> connection;
    private static RedisRequestStore store;

    @BeforeAll
    static void connect() {
        client = RedisClient.create(TestServices.get().endpoints().redisUrl());
        client.setOptions(ClientOptions.builder()
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(Duration.ofSeconds(1))).build());
        connection = client.connect();
        connection.setTimeout(Duration.ofSeconds(1));
        store = new RedisRequestStore(connection);
    }

    @AfterAll
    static void close() {
        connection.close();
        client.shutdown();
    }

    @Override
    protected RequestStore store() {
        return store;
    }

    @Override
    protected void writeResult(String requestId, String doc) {
        connection.sync().set(RedisKeys.result(requestId), doc, SetArgs.Builder.ex(60));
    }

    @Override
    protected void writeUsage(String userId, String json) {
        connection.sync().set(RedisKeys.usage(userId), json, SetArgs.Builder.ex(60));
    }

    @Test
    void markers_and_claims_carry_their_ttl() {
        store.putAccepted("ttl-a", "{}", Duration.ofSeconds(100));
        store.putCancelIfAbsent("ttl-c", "{}", Duration.ofSeconds(200));
        String key = RedisKeys.idempotency("ttl-user", "k");
        connection.sync().del(key);
        store.claimIdempotency(key, "v", Duration.ofSeconds(300));

        assertThat(connection.sync().ttl(RedisKeys.accepted("ttl-a"))).isBetween(90L, 100L);
        assertThat(connection.sync().ttl(RedisKeys.cancel("ttl-c"))).isBetween(190L, 200L);
        assertThat(connection.sync().ttl(key)).isBetween(290L, 300L);
        assertThat(store.replaceIdempotency(key, "v", "v2", Duration.ofSeconds(400))).isTrue();
        assertThat(connection.sync().ttl(key)).isBetween(390L, 400L);
    }

    @Test
    void redis_down_is_reported_as_unavailable_quickly() {
        TestServices.get().control().stopRedis();
        try {
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> store.resultDocument("x"))
                    .isInstanceOf(RequestStore.StoreUnavailableException.class);
            assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(3_000);
            long t1 = System.nanoTime();
            assertThat(store.putAcceptedAndReadUsage("x", "{}", Duration.ofMinutes(1), "u"))
                    .failsWithin(Duration.ofSeconds(3))
                    .withThrowableOfType(ExecutionException.class)
                    .withCauseInstanceOf(RequestStore.StoreUnavailableException.class);
            assertThat((System.nanoTime() - t1) / 1_000_000).isLessThan(3_000);
            assertThat(store.ping()).isFalse();
        } finally {
            TestServices.get().control().startRedis();
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!store.ping() && System.nanoTime() < deadline) {
            sleep(100);
        }
        assertThat(store.ping()).as("reconnects by itself").isTrue();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
