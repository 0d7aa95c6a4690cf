package dev.streaminfer.functions.connector.redis;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends each write at once (readers see it without waiting for a checkpoint) and awaits the
 * acknowledgements in bulk, on flush or at the in-flight bound.
 *
 * <p>Retries never reorder writes to one key: when any write to a key failed, what is sent again is
 * the <em>newest</em> write of that key in the round, never an older one that a newer write already
 * superseded. Since every write is an absolute SET and one connection applies writes in order, the
 * final value of every key is the value of its newest write.
 */
public final class RedisWriter implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RedisWriter.class);

    private record Pending(RedisWrite write, CompletionStage<?> ack) {}

    private final RedisConnection connection;
    private final RedisSinkOptions options;
    private final List<Pending> pending = new ArrayList<>();
    private final Counter writes;
    private final Counter errors;
    private volatile long lastFlushMillis;

    public RedisWriter(RedisConnection connection, RedisSinkOptions options, MetricGroup metrics) {
        this.connection = connection;
        this.options = options;
        MetricGroup group = metrics.addGroup("redis");
        this.writes = group.counter("writes_total");
        this.errors = group.counter("errors_total");
        group.gauge("flush_latency_ms", () -> lastFlushMillis);
    }

    /** Sends a write at once; waits for the pending acknowledgements only at the in-flight bound. */
    public void write(RedisWrite write) throws IOException {
        pending.add(new Pending(write, connection.send(write)));
        if (pending.size() >= options.maxInFlight()) {
            flush();
        }
    }

    /** Returns once Redis acknowledged every write sent so far (or the newest write of its key). */
    public void flush() throws IOException {
        if (pending.isEmpty()) {
            return;
        }
        long start = System.nanoTime();
        List<Pending> round = new ArrayList<>(pending);
        pending.clear();
        Backoff backoff = new Backoff(options);
        for (int attempt = 0; ; attempt++) {
            Set<String> failedKeys = new HashSet<>();
            Map<String, RedisWrite> newest = new LinkedHashMap<>();
            Throwable lastError = null;
            for (Pending p : round) {
                newest.put(p.write().key(), p.write());
                Throwable error = await(p);
                if (error == null) {
                    writes.inc();
                } else {
                    failedKeys.add(p.write().key());
                    lastError = error;
                }
            }
            if (failedKeys.isEmpty()) {
                break;
            }
            errors.inc(failedKeys.size());
            if (attempt >= options.maxRetries()) {
                throw new IOException(failedKeys.size() + " Redis keys still failing after "
                        + attempt + " retries", lastError);
            }
            LOG.warn("Redis writes failed, retrying: keys={} attempt={} backoffMs={} error={}",
                    failedKeys.size(), attempt + 1, backoff.nextMillis(), String.valueOf(lastError));
            backoff.sleep();
            List<Pending> retry = new ArrayList<>(failedKeys.size());
            for (RedisWrite write : newest.values()) {
                if (failedKeys.contains(write.key())) {
                    retry.add(new Pending(write, connection.send(write)));
                }
            }
            round = retry;
        }
        lastFlushMillis = (System.nanoTime() - start) / 1_000_000;
    }

    /** null when the write was acknowledged, else why not. */
    private Throwable await(Pending p) throws IOException {
        try {
            p.ack().toCompletableFuture().get(options.commandTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (TimeoutException e) {
            return e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while flushing to Redis", e);
        }
    }

    @Override
    public void close() {
        connection.close();
    }
}
