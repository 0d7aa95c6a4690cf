package dev.streaminfer.functions.connector.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.streaminfer.localstack.ServiceControl;
import dev.streaminfer.localstack.TestServices;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.connector.base.sink.writer.TestSinkInitContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The Redis sink through its own Sink API ({@code builder() -> build() -> createWriter(context)})
 * against a real Redis: acknowledgement, TTLs, visibility before a checkpoint, and a Redis failover
 * after which the final value of every key is the newest one written.
 */
class RedisSinkITCase {

    private static final String URL = TestServices.get().endpoints().redisUrl();
    private static RedisClient client;
    private static StatefulRedisConnection<String, String> redis;

    /** Elements are "key=value[;ttl]". */
    private static final RedisWriteMapper<String> MAPPER = element -> {
        String[] kv = element.split("=", 2);
        String[] valueTtl = kv[1].split(";", 2);
        return List.of(new RedisWrite(kv[0], valueTtl[0], valueTtl.length > 1 ? Long.parseLong(valueTtl[1]) : 0));
    };

    @BeforeAll
    static void connect() {
        client = RedisClient.create(URL);
        redis = client.connect();
    }

    @AfterAll
    static void disconnect() {
        redis.close();
        client.shutdown();
    }

    private static SinkWriter<String> writer(int maxRetries) throws IOException {
        return RedisSink.<String>builder().setRedisUri(URL).setWriteMapper(MAPPER).setMaxRetries(maxRetries)
                .setBackoff(Duration.ofMillis(100), Duration.ofMillis(500)).setCommandTimeout(Duration.ofSeconds(1))
                .build().createWriter(new TestSinkInitContext());
    }

    private static String key() {
        return "test:" + UUID.randomUUID();
    }

    @Test
    void flushReturnsOnceEveryWriteIsAcknowledgedWithItsTtl() throws Exception {
        String withTtl = key();
        String forever = key();
        try (SinkWriter<String> writer = writer(0)) {
            writer.write(withTtl + "={\"a\":1};60", null);
            writer.write(forever + "=v", null);
            writer.flush(false);
            assertThat(redis.sync().get(withTtl)).isEqualTo("{\"a\":1}");
            assertThat(redis.sync().ttl(withTtl)).isBetween(1L, 60L);
            assertThat(redis.sync().ttl(forever)).isEqualTo(-1L);
        }
    }

    /** Readers (the API's GET and ?wait_ms=) must not wait for the next checkpoint's flush. */
    @Test
    void aWriteIsVisibleBeforeAnyFlush() throws Exception {
        String k = key();
        try (SinkWriter<String> writer = writer(0)) {
            writer.write(k + "=early", null);
            long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            while (redis.sync().get(k) == null && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(redis.sync().get(k)).isEqualTo("early");
        }
    }

    @Test
    void afterAFailoverEveryKeyHoldsItsNewestValue() throws Exception {
        ServiceControl control = TestServices.get().control();
        Map<String, String> expected = new HashMap<>();
        String[] keys = {key(), key(), key()};
        try (SinkWriter<String> writer = writer(30)) {
            for (int round = 0; round < 3; round++) {
                for (String k : keys) {
                    writer.write(k + "=before-" + round, null);
                }
            }
            control.stopRedis();
            CompletableFuture<Void> restart = CompletableFuture.runAsync(() -> {
                sleep(1500);
                control.startRedis();
            });
            try {
                // written while Redis is down: rejected at once, then retried by the flush
                for (int round = 0; round < 3; round++) {
                    for (String k : keys) {
                        writer.write(k + "=during-" + round, null);
                        expected.put(k, "during-" + round);
                    }
                }
                writer.flush(false);
            } finally {
                restart.join();
            }
        } finally {
            control.startRedis();
        }
        for (Map.Entry<String, String> e : expected.entrySet()) {
            assertThat(redis.sync().get(e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
        }
    }

    @Test
    void anOutageLongerThanTheRetriesFailsTheFlush() throws Exception {
        ServiceControl control = TestServices.get().control();
        try (SinkWriter<String> writer = writer(2)) {
            control.stopRedis();
            writer.write(key() + "=lost?", null);
            assertThatThrownBy(() -> writer.flush(false)).isInstanceOf(IOException.class)
                    .hasMessageContaining("still failing");
        } finally {
            control.startRedis();
        }
    }

    /** The real connection passes the contract the fake passes. */
    @Nested
    class LettuceConnection extends RedisConnectionContract {

        private final RedisConnection connection = LettuceRedisConnection.connect(URL, RedisSinkOptions.DEFAULTS);

        @Override
        protected RedisConnection connection() {
            return connection;
        }

        @Override
        protected String valueOf(String key) {
            return redis.sync().get(key);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
