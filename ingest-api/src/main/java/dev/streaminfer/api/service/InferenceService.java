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
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accepting a request: fast quota check, idempotency, the accepted marker in Redis, the write to
 * Kafka, and only then success. Any failure before the broker's ack answers 503 and leaves no
 * Kafka record behind (an orphan accepted marker for an id nobody was given is harmless).
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

    public InferenceService(RequestStore store, RequestPublisher publisher, IdempotencyKeys idempotency,
                            BooleanSupplier kafkaReachable, Clock clock, Duration kafkaTimeout,
                            Duration markerTtl) {
        this.store = store;
        this.publisher = publisher;
        this.idempotency = idempotency;
        this.kafkaReachable = kafkaReachable;
        this.clock = clock;
        this.kafkaTimeout = kafkaTimeout;
        this.markerTtl = markerTtl;
    }

    /** The id under which a request was accepted; {@code replayed} for an idempotent repeat. */
    public record Accepted(String requestId, boolean replayed) {}

    /**
     * @param idempotencyKey the client's {@code Idempotency-Key} (already validated), or null
     * @param traceparent a valid W3C traceparent to propagate, or null
     * @throws ApiException 429 (quota mirror says spent), 503 (Kafka or Redis unreachable), 409
     *     (a concurrent duplicate is still in progress)
     */
    public Accepted submit(Caller caller, ParsedInference request, String idempotencyKey, String traceparent) {
        if (!kafkaReachable.getAsBoolean()) {
            throw ApiError.kafkaUnavailable("Kafka is not reachable; nothing was accepted").exception();
        }
        String requestId = RequestIds.newId(clock.millis());
        if (idempotencyKey == null) {
            accept(caller, request, requestId, traceparent);
            return new Accepted(requestId, false);
        }
        // A replay answers the first request's id even if the budget has been spent since.
        IdempotencyKeys.Outcome outcome = idempotency.once(caller.userId(), idempotencyKey, requestId,
                () -> accept(caller, request, requestId, traceparent));
        return new Accepted(outcome.requestId(), outcome.replayed());
    }

    /**
     * One Redis round trip (accepted marker + usage mirror), the quota check, one Kafka write. On a
     * 429 the marker stays behind for an id nobody was given (harmless; it expires).
     */
    private void accept(Caller caller, ParsedInference parsed, String requestId, String traceparent) {
        long submittedAt = clock.millis();
        InferenceRequest request = new InferenceRequest(requestId, caller.userId(), parsed.model(), parsed.inputs(),
                parsed.priority(), submittedAt + parsed.timeoutMs(), submittedAt, 0, traceparent);
        InferenceResult queued = new InferenceResult(requestId, caller.userId(), parsed.model(),
                RequestStatus.QUEUED, parsed.inputTokens(), 0, null, null, null, 0, submittedAt, 0, traceparent);
        Optional<String> usage;
        try {
            usage = store.putAcceptedAndReadUsage(requestId, ResultDocumentCodec.toJson(queued).toString(),
                    markerTtl.plusMillis(parsed.timeoutMs()), caller.userId());
        } catch (RequestStore.StoreUnavailableException e) {
            throw ApiError.unavailable("Redis is not reachable; nothing was accepted").exception();
        }
        Optional<ApiError> quota = QuotaGate.check(UsageService.mirrorOf(usage, caller.userId()), submittedAt);
        if (quota.isPresent()) {
            throw quota.get().exception();
        }
        try {
            publisher.publishRequest(request).get(kafkaTimeout.toMillis() + 1_000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("event=kafka_write_failed request_id={} user_id={} reason=\"{}\"", requestId, caller.userId(),
                    e.getCause() == null ? e.toString() : e.getCause().getMessage());
            throw ApiError.kafkaUnavailable("Kafka did not acknowledge the request in time; nothing was accepted")
                    .exception();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiError.kafkaUnavailable("interrupted while writing to Kafka").exception();
        }
    }
}
