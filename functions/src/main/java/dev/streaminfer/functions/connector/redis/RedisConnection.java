package dev.streaminfer.functions.connector.redis;

import java.util.concurrent.CompletionStage;

/**
 * The one thing the writer needs from Redis: send a {@link RedisWrite} now and learn later whether
 * it was applied. Writes sent on one connection are applied in the order they were sent.
 * {@link LettuceRedisConnection} is the real one; tests use a fake that passes the same contract.
 */
public interface RedisConnection extends AutoCloseable {

    /** Sends the write; the stage completes when Redis acknowledged it, exceptionally if it failed or timed out. */
    CompletionStage<?> send(RedisWrite write);

    @Override
    void close();
}
