package dev.streaminfer.functions.sink.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.streaminfer.localstack.ServiceControl;
import dev.streaminfer.localstack.TestServices;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Redis writer against a real Redis, including an outage. */
class RedisWriterITCase {

    private static final String URL = TestServices.get().endpoints().redisUrl();
    private static RedisClient client;
    private static StatefulRedisConnection<String, String> redis;

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

    private static RedisWriter writer(int maxInFlight, int maxRetries) {
        return new RedisWriter(new RedisWriter.Settings(URL, maxInFlight, maxRetries,
                Duration.ofMillis(100), Duration.ofMillis(500), Duration.ofSeconds(1)), new UnregisteredMetricsGroup());
    }

    private static String key() {
        return "test:" + UUID.randomUUID();
    }

    @Test
    void flushReturnsOnceEveryWriteIsAcknowledgedWithItsTtl() throws Exception {
        String withTtl = key();
        String forever = key();
        try (RedisWriter writer = writer(100, 0)) {
            writer.write(new RedisWrite(withTtl, "{\"a\":1}", 60));
            writer.write(RedisWrite.withoutExpiry(forever, "v"));
            writer.flush();
        }
        assertThat(redis.sync().get(withTtl)).isEqualTo("{\"a\":1}");
        assertThat(redis.sync().ttl(withTtl)).isBetween(1L, 60L);
        assertThat(redis.sync().ttl(forever)).isEqualTo(-1L);
    }

    /** Readers (the API's GET and ?wait_ms=) must not wait for the next checkpoint's flush. */
    @Test
    void aWriteIsVisibleBeforeAnyFlush() throws Exception {
        String k = key();
        try (RedisWriter writer = writer(100, 0)) {
            writer.write(RedisWrite.withoutExpiry(k, "early"));
            long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            while (redis.sync().get(k) == null && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(redis.sync().get(k)).isEqualTo("early");
        }
    }

    @Test
    void reachingTheInFlightBoundFlushesWithoutBeingAsked() throws Exception {
        String first = key();
        String second = key();
        try (RedisWriter writer = writer(2, 0)) {
            writer.write(RedisWrite.withoutExpiry(first, "1"));
            writer.write(RedisWrite.withoutExpiry(second, "2"));
            assertThat(redis.sync().get(first)).isEqualTo("1");
            assertThat(redis.sync().get(second)).isEqualTo("2");
        }
    }

    @Test
    void writesDuringAShortOutageAreRetriedUntilRedisIsBack() throws Exception {
        ServiceControl control = TestServices.get().control();
        String k = key();
        try (RedisWriter writer = writer(100, 20)) {
            control.stopRedis();
            CompletableFuture<Void> restart = CompletableFuture.runAsync(() -> {
                sleep(1500);
                control.startRedis();
            });
            try {
                writer.write(RedisWrite.withoutExpiry(k, "survived"));
                writer.flush();
            } finally {
                restart.join();
            }
        } finally {
            control.startRedis();
        }
        assertThat(redis.sync().get(k)).isEqualTo("survived");
    }

    @Test
    void anOutageLongerThanTheRetriesFailsTheFlush() {
        ServiceControl control = TestServices.get().control();
        try (RedisWriter writer = writer(100, 2)) {
            control.stopRedis();
            writer.write(RedisWrite.withoutExpiry(key(), "lost?"));
            assertThatThrownBy(writer::flush).isInstanceOf(IOException.class).hasMessageContaining("still failing");
        } catch (IOException e) {
            throw new AssertionError(e);
        } finally {
            control.startRedis();
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
