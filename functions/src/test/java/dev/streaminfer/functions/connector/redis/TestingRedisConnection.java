package dev.streaminfer.functions.connector.redis;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * An in-memory {@link RedisConnection} that applies writes in the order they are sent, and can be
 * told to lose chosen writes the way a timed-out command is lost (never applied, failed ack).
 */
final class TestingRedisConnection implements RedisConnection {

    final Map<String, String> values = new HashMap<>();
    final List<RedisWrite> sent = new ArrayList<>();
    /** Writes matching this are lost and time out; cleared to let retries through. */
    volatile Predicate<RedisWrite> timesOut = w -> false;
    volatile boolean closed;

    @Override
    public synchronized CompletionStage<?> send(RedisWrite write) {
        sent.add(write);
        if (timesOut.test(write)) {
            return CompletableFuture.failedFuture(new TimeoutException("command timed out after 100 ms"));
        }
        values.put(write.key(), write.value());
        return CompletableFuture.completedFuture("OK");
    }

    @Override
    public void close() {
        closed = true;
    }
}
