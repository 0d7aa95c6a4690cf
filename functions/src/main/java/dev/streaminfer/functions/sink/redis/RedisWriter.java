package dev.streaminfer.functions.sink.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SetArgs;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pipelines {@code SET}s to Redis over one connection: each is sent at once (so readers see it
 * without waiting for a checkpoint) and acknowledgements are awaited in bulk, on flush or at the
 * in-flight bound; failed ones are retried. Independent of
 * the Flink sink interfaces so it can be tested against a real Redis on its own.
 */
public final class RedisWriter implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RedisWriter.class);

    public record Settings(String redisUri, int maxInFlight, int maxRetries, Duration initialBackoff,
                           Duration maxBackoff, Duration commandTimeout) {}

    private record Pending(RedisWrite write, RedisFuture<String> future) {}

    private final Settings settings;
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;
    private final RedisAsyncCommands<String, String> commands;
    private final List<Pending> pending = new ArrayList<>();
    private final Counter writes;
    private final Counter errors;
    private volatile long lastFlushMillis;

    public RedisWriter(Settings settings, MetricGroup metrics) {
        this.settings = settings;
        this.client = RedisClient.create(RedisURI.create(settings.redisUri()));
        // Reject rather than queue while disconnected: retries with backoff are ours to control.
        client.setOptions(ClientOptions.builder()
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(settings.commandTimeout()))
                .build());
        this.connection = connectWithRetry();
        this.commands = connection.async();
        MetricGroup group = metrics.addGroup("redis");
        this.writes = group.counter("writes_total");
        this.errors = group.counter("errors_total");
        group.gauge("flush_latency_ms", () -> lastFlushMillis);
    }

    private StatefulRedisConnection<String, String> connectWithRetry() {
        RuntimeException last = null;
        long backoff = settings.initialBackoff().toMillis();
        for (int attempt = 0; attempt <= settings.maxRetries(); attempt++) {
            try {
                return client.connect(StringCodec.UTF8);
            } catch (RuntimeException e) {
                last = e;
                sleep(backoff);
                backoff = Math.min(backoff * 2, settings.maxBackoff().toMillis());
            }
        }
        client.shutdown();
        throw last;
    }

    /**
     * Sends a write at once (readers see results without waiting for a checkpoint) and waits for
     * the pending acknowledgements only when the in-flight bound is reached.
     */
    public void write(RedisWrite write) throws IOException {
        pending.add(new Pending(write, send(write)));
        if (pending.size() >= settings.maxInFlight()) {
            flush();
        }
    }

    private RedisFuture<String> send(RedisWrite write) {
        return write.ttlSeconds() > 0
                ? commands.set(write.key(), write.value(), SetArgs.Builder.ex(write.ttlSeconds()))
                : commands.set(write.key(), write.value());
    }

    /** Sends everything queued and returns once Redis acknowledged every write. */
    public void flush() throws IOException {
        if (pending.isEmpty()) {
            return;
        }
        long start = System.nanoTime();
        List<Pending> toCheck = new ArrayList<>(pending);
        pending.clear();
        long backoff = settings.initialBackoff().toMillis();
        for (int attempt = 0; ; attempt++) {
            List<Pending> failed = new ArrayList<>();
            Throwable lastError = null;
            for (Pending p : toCheck) {
                try {
                    p.future().get(settings.commandTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
                    writes.inc();
                } catch (ExecutionException | TimeoutException e) {
                    failed.add(p);
                    lastError = e instanceof ExecutionException ? e.getCause() : e;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while flushing to Redis", e);
                }
            }
            if (failed.isEmpty()) {
                break;
            }
            errors.inc(failed.size());
            if (attempt >= settings.maxRetries()) {
                throw new IOException(failed.size() + " Redis writes still failing after "
                        + attempt + " retries", lastError);
            }
            LOG.warn("Redis writes failed, retrying: failed={} attempt={} backoffMs={} error={}",
                    failed.size(), attempt + 1, backoff, String.valueOf(lastError));
            sleep(backoff);
            backoff = Math.min(backoff * 2, settings.maxBackoff().toMillis());
            toCheck = new ArrayList<>(failed.size());
            for (Pending p : failed) {
                toCheck.add(new Pending(p.write(), send(p.write())));
            }
        }
        lastFlushMillis = (System.nanoTime() - start) / 1_000_000;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        try {
            connection.close();
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }
}
