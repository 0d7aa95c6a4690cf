package dev.streaminfer.api.service;

import dev.streaminfer.api.ApiError;
import dev.streaminfer.api.ApiException;
import dev.streaminfer.api.auth.Caller;
import dev.streaminfer.api.kafka.RequestPublisher;
import dev.streaminfer.api.request.ParsedInference;
import dev.streaminfer.api.store.RequestStore;
import dev.streaminfer.contract.model.InferenceRequest;
import dev.streaminfer.contract.model.InferenceResult;
import dev.streaminfer.contract.model.RequestStatus;
import dev.streaminfer.contract.serde.ResultDocumentCodec;
import java.time.Clock;
import java.time.Duration;
import dev.streaminfer.contract.concurrent.Futures;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accepting a request: fast quota check, idempotency, the accepted marker in Redis, the write to
 * Kafka, and only then success. A failure that wrote nothing answers 503 (Kafka or Redis
 * unreachable) or 429 and leaves no Kafka record behind (an orphan accepted marker for an id
 * nobody was given is harmless). A Kafka write whose outcome is unknown (timed out after the
 * record was handed to the producer) answers 503 {@code outcome_unknown}: with an
 * {@code Idempotency-Key} a retry settles it (see {@link IdempotencyKeys}); without one, a retry
 * may be processed twice.
 *
 * <p>Without an {@code Idempotency-Key} no thread waits: the Redis round trip and the Kafka
 * acknowledgement complete futures, and what follows each (the quota check and the send; the
 * answer) runs on {@code requestThreads}, the HTTP server's own pool, where a send waiting for
 * metadata or a write to a client that does not read holds one pool thread, as each request held
 * one throughout before. Never on Lettuce's event loop nor on the producer's network thread: a
 * blocked answer (until the server's idle timeout, when pipelined requests fill a non-reading
 * client's socket) would there stall every Redis command or every Kafka write of the API.
 * ({@code ApiLoadBenchmark}, 2026-12-03: 5,000 to 5,765 req/s so; 5,003 to 6,116 with the answer
 * written on the network thread; 4,559 with hops to a separate fixed pool.) With a key, the claim
 * protocol of {@link IdempotencyKeys} runs on the calling thread, which does each step itself.
 */
public final class InferenceService {

    private static final Logger LOG = LoggerFactory.getLogger(InferenceService.class);

    private final RequestStore store;
    private final RequestPublisher publisher;
    private final IdempotencyKeys idempotency;
    private final BooleanSupplier kafkaReachable;
    private final Clock clock;
    private final Duration kafkaTimeout;
    private final Duration markerTtl;
    private final Executor requestThreads;

    public InferenceService(RequestStore store, RequestPublisher publisher, IdempotencyKeys idempotency,
                            BooleanSupplier kafkaReachable, Clock clock, Duration kafkaTimeout,
                            Duration markerTtl, Executor requestThreads) {
        this.store = store;
        this.publisher = publisher;
        this.idempotency = idempotency;
        this.kafkaReachable = kafkaReachable;
        this.clock = clock;
        this.kafkaTimeout = kafkaTimeout;
        this.markerTtl = markerTtl;
        this.requestThreads = requestThreads;
    }

    /** The id under which a request was accepted; {@code replayed} for an idempotent repeat. */
    public record Accepted(String requestId, boolean replayed) {}

    /**
     * @param idempotencyKey the client's {@code Idempotency-Key} (already validated), or null
     * @param traceparent a valid W3C traceparent to propagate, or null
     * @return the accepted request, or a future failed with an {@link ApiException}: 429 (the
     *     request does not fit what the quota mirror says is left), 503 (Kafka or Redis
     *     unreachable: nothing accepted; {@code outcome_unknown}: Kafka may hold it), 409 (a
     *     concurrent duplicate is still in progress), 422 (the key was used for another body)
     */
    public CompletableFuture<Accepted> submit(Caller caller, ParsedInference request, String idempotencyKey,
                                              String traceparent) {
        if (!kafkaReachable.getAsBoolean()) {
            return CompletableFuture.failedFuture(
                    ApiError.kafkaUnavailable("Kafka is not reachable; nothing was accepted").exception());
        }
        String requestId = RequestIds.newId(clock.millis());
        if (idempotencyKey == null) {
            Submission submission = submission(caller, request, requestId, traceparent);
            return reserve(submission)
                    .thenComposeAsync(usage -> admitAndPublish(submission, usage), requestThreads)
                    .handleAsync((written, error) -> {
                        if (error == null) {
                            return new Accepted(requestId, false);
                        }
                        Throwable cause = Futures.cause(error);
                        if (cause instanceof IdempotencyKeys.WriteOutcomeUnknown) {
                            throw ApiError.outcomeUnknown("Kafka did not confirm the write in time and may hold the"
                                    + " request all the same; a retry without an Idempotency-Key may be processed"
                                    + " twice", 1).exception();
                        }
                        throw cause instanceof RuntimeException runtime ? runtime : new CompletionException(cause);
                    }, requestThreads);
        }
        try {
            // A replay answers the first request's id even if the budget has been spent since.
            IdempotencyKeys.Outcome outcome = idempotency.once(caller.userId(), idempotencyKey, request.fingerprint(),
                    requestId, id -> {
                        Submission submission = submission(caller, request, id, traceparent);
                        // Every step is bounded in time (the store's timeout, the Kafka bound in publish).
                        Futures.join(admitAndPublish(submission, Futures.join(reserve(submission))));
                    });
            return CompletableFuture.completedFuture(new Accepted(outcome.requestId(), outcome.replayed()));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** A request about to be accepted under its id: its Kafka record and its queued document. */
    private record Submission(Caller caller, ParsedInference parsed, InferenceRequest request, String queuedDocument) {}

    private Submission submission(Caller caller, ParsedInference parsed, String requestId, String traceparent) {
        long submittedAt = clock.millis();
        InferenceRequest request = new InferenceRequest(requestId, caller.userId(), parsed.model(), parsed.inputs(),
                parsed.priority(), submittedAt + parsed.timeoutMs(), submittedAt, 0, traceparent);
        InferenceResult queued = new InferenceResult(requestId, caller.userId(), parsed.model(),
                parsed.priority(), RequestStatus.QUEUED, parsed.inputTokens(), 0, null, null, null, 0, submittedAt, 0, traceparent);
        return new Submission(caller, parsed, request, ResultDocumentCodec.toJson(queued).toString());
    }

    /**
     * The one Redis round trip: the accepted marker, and the usage mirror read back. On a later
     * 429 the marker stays behind for an id nobody was given (harmless; it expires).
     */
    private CompletableFuture<Optional<String>> reserve(Submission s) {
        return store.putAcceptedAndReadUsage(s.request().requestId(), s.queuedDocument(),
                        markerTtl.plusMillis(s.parsed().timeoutMs()), s.caller().userId())
                .exceptionally(error -> {
                    throw ApiError.unavailable("Redis is not reachable; nothing was accepted").exception();
                });
    }

    /**
     * The quota check on the mirror, then the Kafka write.
     *
     * @throws ApiException 429 when the request does not fit what the mirror says is left
     * @return a future that fails with {@link IdempotencyKeys.WriteOutcomeUnknown} when Kafka may
     *     hold the record without having acknowledged it; any other failure means nothing was written
     */
    private CompletableFuture<Void> admitAndPublish(Submission s, Optional<String> usage) {
        Optional<ApiError> quota = QuotaGate.check(UsageService.mirrorOf(usage, s.caller().userId()),
                s.parsed().inputTokens(), s.request().submittedAt());
        if (quota.isPresent()) {
            throw quota.get().exception();
        }
        return publish(s.request());
    }

    /** The Kafka write, its failure told apart: surely not written, or maybe written. */
    private CompletableFuture<Void> publish(InferenceRequest request) {
        // The publisher's futures complete within kafkaTimeout; the second bound only guards that promise.
        return publisher.publishRequest(request)
                .orTimeout(kafkaTimeout.toMillis() + 1_000, TimeUnit.MILLISECONDS)
                .handle((written, error) -> {
                    if (error == null) {
                        return null;
                    }
                    Throwable cause = Futures.cause(error);
                    if (cause instanceof TimeoutException) {
                        LOG.warn("event=kafka_write_failed request_id={} user_id={} may_be_written=true"
                                + " reason=\"no answer\"", request.requestId(), request.userId());
                        throw new IdempotencyKeys.WriteOutcomeUnknown("kafka: no answer in time");
                    }
                    boolean mayBeWritten = !(cause instanceof RequestPublisher.PublishFailedException failed)
                            || failed.mayHaveBeenWritten();
                    LOG.warn("event=kafka_write_failed request_id={} user_id={} may_be_written={} reason=\"{}\"",
                            request.requestId(), request.userId(), mayBeWritten, cause.getMessage());
                    if (mayBeWritten) {
                        throw new IdempotencyKeys.WriteOutcomeUnknown("kafka: " + cause);
                    }
                    throw ApiError.kafkaUnavailable("Kafka did not take the request (unreachable or refused); nothing"
                            + " was accepted").exception();
                });
    }
}
