package dev.streaminfer.functions.connector.redis;

import java.io.IOException;
import java.util.Objects;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/**
 * A Flink sink that writes to Redis with pipelined asynchronous {@code SET}s (Lettuce). It knows
 * nothing of the records it writes: a {@link RedisWriteMapper} turns each into absolute writes.
 *
 * <p><b>Delivery guarantee: at-least-once, idempotent.</b> Every write is an absolute
 * {@code SET}; the writer flushes and waits for every pending write before a checkpoint
 * completes, so after a failure Flink replays from the last checkpoint and the replayed
 * {@code SET}s land on the same keys with the same values. Retries never reorder writes to one
 * key (see {@link RedisWriter}); when retries run out the writer fails the task, so Flink restarts
 * it from the last checkpoint.
 *
 * <p>Buffering is bounded by {@link RedisSinkOptions#maxInFlight()}: when that many writes are
 * pending, the writer waits for them, which back-pressures the pipeline rather than growing memory.
 *
 * <p>Build one with {@link #builder()}.
 */
public final class RedisSink<T> implements Sink<T> {

    private final String redisUri;
    private final RedisWriteMapper<T> mapper;
    private final RedisSinkOptions options;

    RedisSink(String redisUri, RedisWriteMapper<T> mapper, RedisSinkOptions options) {
        this.redisUri = Objects.requireNonNull(redisUri, "redisUri");
        this.mapper = Objects.requireNonNull(mapper, "mapper");
        this.options = Objects.requireNonNull(options, "options");
    }

    public static <T> RedisSinkBuilder<T> builder() {
        return new RedisSinkBuilder<>();
    }

    RedisSinkOptions options() {
        return options;
    }

    @Override
    public SinkWriter<T> createWriter(WriterInitContext context) throws IOException {
        RedisConnection connection = LettuceRedisConnection.connect(redisUri, options);
        return new RedisSinkWriter<>(new RedisWriter(connection, options, context.metricGroup()), mapper);
    }
}
