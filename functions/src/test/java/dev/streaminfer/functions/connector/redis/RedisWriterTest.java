package dev.streaminfer.functions.connector.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;

/** The writer's retry rules over the fake connection. */
class RedisWriterTest {

    private final TestingRedisConnection redis = new TestingRedisConnection();

    private RedisWriter writer(int maxRetries) {
        return new RedisWriter(redis, new RedisSinkOptions(100, maxRetries, Duration.ofMillis(1), Duration.ofMillis(2),
                Duration.ofMillis(100)), new UnregisteredMetricsGroup());
    }

    @Test
    void aTimedOutWriteFollowedByANewerOneForTheSameKeyEndsWithTheNewerValue() throws IOException {
        RedisWrite older = RedisWrite.withoutExpiry("inference:usage:alice", "{\"used_today\":100}");
        RedisWrite newer = RedisWrite.withoutExpiry("inference:usage:alice", "{\"used_today\":200}");
        redis.timesOut = w -> w == older;
        RedisWriter writer = writer(3);

        writer.write(older);
        writer.write(newer);
        redis.timesOut = w -> false;
        writer.flush();

        assertThat(redis.values).containsEntry("inference:usage:alice", "{\"used_today\":200}");
        assertThat(redis.sent).containsExactly(older, newer, newer);
    }

    @Test
    void everyFailedKeyIsRetriedWithItsNewestWriteInOrder() throws IOException {
        RedisWrite a1 = RedisWrite.withoutExpiry("a", "1");
        RedisWrite b1 = RedisWrite.withoutExpiry("b", "1");
        RedisWrite a2 = RedisWrite.withoutExpiry("a", "2");
        RedisWrite c1 = RedisWrite.withoutExpiry("c", "1");
        redis.timesOut = w -> w == a1 || w == b1;
        RedisWriter writer = writer(3);

        for (RedisWrite w : new RedisWrite[] {a1, b1, a2, c1}) {
            writer.write(w);
        }
        redis.timesOut = w -> false;
        writer.flush();

        assertThat(redis.values).containsEntry("a", "2").containsEntry("b", "1").containsEntry("c", "1");
        assertThat(redis.sent.subList(4, redis.sent.size())).containsExactly(a2, b1);
    }

    @Test
    void aWriteThatKeepsFailingFailsTheFlushAfterTheRetries() {
        redis.timesOut = w -> true;
        RedisWriter writer = writer(2);

        assertThatThrownBy(() -> {
            writer.write(RedisWrite.withoutExpiry("k", "v"));
            writer.flush();
        }).isInstanceOf(IOException.class).hasMessageContaining("still failing after 2 retries");
        assertThat(redis.sent).hasSize(3);
    }

    @Test
    void theInFlightBoundFlushesWithoutBeingAsked() throws IOException {
        RedisWriter writer = new RedisWriter(redis, new RedisSinkOptions(2, 3, Duration.ofMillis(1),
                Duration.ofMillis(2), Duration.ofMillis(100)), new UnregisteredMetricsGroup());
        RedisWrite first = RedisWrite.withoutExpiry("x", "1");
        redis.timesOut = w -> w == first;

        writer.write(first);
        redis.timesOut = w -> false;
        writer.write(RedisWrite.withoutExpiry("y", "2"));

        assertThat(redis.values).containsEntry("x", "1").containsEntry("y", "2");
    }
}
