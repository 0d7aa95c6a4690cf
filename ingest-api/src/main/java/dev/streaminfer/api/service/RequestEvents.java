package dev.streaminfer.api.service;

import dev.streaminfer.contract.concurrent.DaemonThreads;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streaminfer.api.ApiException;
import dev.streaminfer.api.auth.Caller;
import dev.streaminfer.contract.serde.Json;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every open {@code GET /v1/requests/{id}/events} stream. A stream starts with the request's
 * current document (so a final status reached before the client connected is never missed), ends
 * with the job's final result document as soon as it is written (the {@link ResultWaiter}: its
 * keyspace notification, its shared poller, and one look when the stream registers), and catches
 * changes in between (a cancel) with one shared re-read of every open stream per
 * {@code pollInterval}. A keep-alive comment every {@code keepAliveInterval} finds clients that
 * went away.
 */
public final class RequestEvents implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RequestEvents.class);

    private record Open(Caller caller, String requestId, CompletableFuture<Optional<String>> result) {}

    private final BiFunction<Caller, String, Optional<ObjectNode>> status;
    private final ResultWaiter waiter;
    private final Duration maxStream;
    private final Map<StatusStream, Open> open = new ConcurrentHashMap<>();
    private final ScheduledExecutorService scheduler;

    /**
     * @param status the caller's view of a request ({@link RequestService#status})
     * @param maxStream how long one stream may stay open (then it ends; a client reconnects and
     *     gets the current state first)
     */
    public RequestEvents(BiFunction<Caller, String, Optional<ObjectNode>> status, ResultWaiter waiter,
                         Duration pollInterval, Duration keepAliveInterval, Duration maxStream) {
        this.status = status;
        this.waiter = waiter;
        this.maxStream = maxStream;
        this.scheduler = DaemonThreads.singleThreadScheduler("request-events");
        scheduler.scheduleWithFixedDelay(this::reReadAll, pollInterval.toMillis(), pollInterval.toMillis(),
                TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(this::keepAliveAll, keepAliveInterval.toMillis(),
                keepAliveInterval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Follows a request whose current document {@code first} the caller may see (checked before the
     * stream was opened); sends it at once.
     */
    public void follow(Caller caller, String requestId, ObjectNode first, StatusStream stream) {
        if (!stream.offer(first)) {
            stream.end(); // the client is gone
            return;
        }
        CompletableFuture<Optional<String>> result = waiter.await(requestId, maxStream);
        open.put(stream, new Open(caller, requestId, result));
        result.thenAccept(doc -> {
            open.remove(stream);
            if (doc.isPresent()) {
                finish(stream, doc.get());
            } else {
                stream.end(); // the bound ran out or the server is closing: the client reconnects
            }
        });
    }

    private void finish(StatusStream stream, String doc) {
        try {
            stream.finish((ObjectNode) Json.mapper().readTree(doc));
        } catch (Exception e) {
            LOG.debug("event=events_unreadable_document reason=\"{}\"", e.getMessage());
            stream.end();
        }
    }

    /** Lets go of a stream's wait, then ends it: once the client sees the end, nothing waits for it. */
    private void end(StatusStream stream) {
        Open o = open.remove(stream);
        if (o != null) {
            waiter.release(o.requestId(), o.result());
        }
        stream.end();
    }

    private void reReadAll() {
        open.forEach((stream, o) -> {
            try {
                Optional<ObjectNode> doc = status.apply(o.caller(), o.requestId());
                if (doc.isEmpty() || !stream.offer(doc.get())) {
                    end(stream);
                }
            } catch (ApiException e) {
                // Redis unreachable for now: keep the stream, the next round tries again
            } catch (RuntimeException e) {
                LOG.warn("event=events_reread_failed error={}", e.getClass().getName());
            }
        });
    }

    private void keepAliveAll() {
        open.forEach((stream, o) -> {
            if (!stream.keepAlive()) {
                end(stream);
            }
        });
    }

    /** Ends every open stream and stops. */
    @Override
    public void close() {
        scheduler.shutdownNow();
        for (StatusStream stream : open.keySet()) {
            end(stream);
        }
    }
}
