package dev.streaminfer.functions.sink.redis;

import java.io.IOException;
import java.time.Duration;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/**
 * A Flink sink that writes to Redis with pipelined asynchronous {@code SET}s (Lettuce).
 *
 * <p><b>Delivery guarantee: at-least-once, idempotent.</b> Every write is an absolute
 * {@code SET}; the writer flushes and waits for every pending write before a checkpoint
 * completes, so after a failure Flink replays from the last checkpoint and the replayed
 * {@code SET}s land on the same keys with the same values. Nothing is lost and replays cannot
 * make a value drift. Writes that fail are retried with exponential backoff; when retries run
 * out the writer fails the task, so Flink restarts it from the last checkpoint.
 *
 * <p>Buffering is bounded by {@code maxInFlight}: when that many writes are pending, the writer
 * waits for them, which back-pressures the pipeline rather than growing memory.
 *
 * <p>Build one with {@link #builder()}.
 */
public final class RedisSink<T> implements Sink<T> {

    private final String redisUri;
    private final RedisWriteMapper<T> mapper;
    private final int maxInFlight;
    private final int maxRetries;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final Duration commandTimeout;

    RedisSink(String redisUri, RedisWriteMapper<T> mapper, int maxInFlight, int maxRetries,
              Duration initialBackoff, Duration maxBackoff, Duration commandTimeout) {
        this.redisUri = redisUri;
        this.mapper = mapper;
        this.maxInFlight = maxInFlight;
        this.maxRetries = maxRetries;
        this.initialBackoff = initialBackoff;
        this.maxBackoff = maxBackoff;
        this.commandTimeout = commandTimeout;
    }

    public static <T> RedisSinkBuilder<T> builder() {
        return new RedisSinkBuilder<>();
    }

    @Override
    public SinkWriter<T> createWriter(WriterInitContext context) throws IOException {
        RedisWriter.Settings settings = new RedisWriter.Settings(
                redisUri, maxInFlight, maxRetries, initialBackoff, maxBackoff, commandTimeout);
        return new RedisSinkWriter<>(new RedisWriter(settings, context.metricGroup()), mapper);
    }
}
