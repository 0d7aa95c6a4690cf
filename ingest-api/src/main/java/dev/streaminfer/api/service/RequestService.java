package dev.streaminfer.api.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streaminfer.api.ApiError;
import dev.streaminfer.api.ApiException;
import dev.streaminfer.api.auth.Caller;
import dev.streaminfer.contract.model.CancelMarker;
import dev.streaminfer.api.kafka.RequestPublisher;
import dev.streaminfer.api.store.RequestStore;
import dev.streaminfer.contract.model.RequestStatus;
import dev.streaminfer.contract.serde.CancelMarkerCodec;
import dev.streaminfer.contract.serde.Json;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Reading and cancelling one's own requests. A request belongs to a caller when its result
 * document (job) or accepted marker (API) names the caller's user id; anything else, including
 * another user's request, is reported exactly like an unknown id.
 *
 * <p>What a caller sees, in order: the job's result document if there is one (it is the truth);
 * else {@value #CANCEL_REQUESTED} if a cancel marker exists (only the job decides whether the
 * cancel took effect: it may have computed the request first, and then shows {@code completed});
 * else the {@code queued} document the API wrote when it accepted the request.
 */
public final class RequestService {

    /**
     * The status a request shows between a {@code DELETE} and the job's outcome. Never written by
     * the job, so not a {@link RequestStatus}: the job ends such a request {@code cancelled}, or
     * {@code completed} if it computed the request before it saw the cancel.
     */
    public static final String CANCEL_REQUESTED = "cancel_requested";

    private final RequestStore store;
    private final RequestPublisher publisher;
    private final Clock clock;
    private final Duration kafkaTimeout;
    private final Duration markerTtl;

    public RequestService(RequestStore store, RequestPublisher publisher, Clock clock, Duration kafkaTimeout,
                          Duration markerTtl) {
        this.store = store;
        this.publisher = publisher;
        this.clock = clock;
        this.kafkaTimeout = kafkaTimeout;
        this.markerTtl = markerTtl;
    }

    /** The caller's view of a request: its document, or empty (unknown or not the caller's). */
    public Optional<ObjectNode> status(Caller caller, String requestId) {
        if (!RequestIds.isPlausible(requestId)) {
            return Optional.empty();
        }
        try {
            Optional<String> resultDoc = store.resultDocument(requestId);
            Optional<ObjectNode> doc = resultDoc.isPresent()
                    ? ownDocument(resultDoc, caller) // empty if someone else's
                    : ownDocument(store.acceptedDocument(requestId), caller);
            if (doc.isEmpty() || !RequestStatus.QUEUED.wireName().equals(doc.get().path("status").asText())) {
                return doc; // a final document from the job is the truth
            }
            Optional<String> cancel = store.cancelMarker(requestId);
            return Optional.of(cancel.isPresent() ? asCancelRequested(doc.get(), cancel.get()) : doc.get());
        } catch (RequestStore.StoreUnavailableException e) {
            throw ApiError.unavailable("Redis is not reachable").exception();
        }
    }

    /** How a cancel ended. */
    public enum CancelOutcome {
        /** Recorded; the job has not decided yet (the request shows {@value #CANCEL_REQUESTED}). */
        REQUESTED,
        /** The job already ended the request {@code cancelled}: final, nothing left to do. */
        ALREADY_CANCELLED,
        NOT_FOUND,
        /** The job already ended the request otherwise (completed, failed, ...). */
        ALREADY_FINAL
    }

    /**
     * Records a cancellation while the job has not decided the request: the Redis marker
     * {@code inference:cancel:{id}} and a cancel record on Kafka. Idempotent: repeating it answers
     * {@code REQUESTED} again and re-sends the same Kafka marker, so a DELETE that failed half-way
     * can simply be repeated; once the job has cancelled the request it answers
     * {@code ALREADY_CANCELLED}.
     */
    public CancelOutcome cancel(Caller caller, String requestId) {
        if (!RequestIds.isPlausible(requestId)) {
            return CancelOutcome.NOT_FOUND;
        }
        CancelMarker marker;
        try {
            Optional<String> resultDoc = store.resultDocument(requestId);
            if (resultDoc.isPresent()) {
                Optional<ObjectNode> own = ownDocument(resultDoc, caller);
                if (own.isEmpty()) {
                    return CancelOutcome.NOT_FOUND;
                }
                Optional<RequestStatus> status = RequestStatus.fromWireName(own.get().path("status").asText());
                if (status.isPresent() && status.get() == RequestStatus.CANCELLED) {
                    return CancelOutcome.ALREADY_CANCELLED;
                }
                if (status.isEmpty() || status.get().isFinal()) {
                    return CancelOutcome.ALREADY_FINAL;
                }
            }
            Optional<ObjectNode> accepted = ownDocument(store.acceptedDocument(requestId), caller);
            if (accepted.isEmpty() && resultDoc.isEmpty()) {
                return CancelOutcome.NOT_FOUND;
            }
            marker = new CancelMarker(requestId, caller.userId(), clock.millis());
            if (!store.putCancelIfAbsent(requestId, CancelMarkerCodec.toJsonString(marker), markerTtl.plus(Duration.ofDays(1)))) {
                marker = store.cancelMarker(requestId).map(RequestService::parseMarker).orElse(marker);
            }
        } catch (RequestStore.StoreUnavailableException e) {
            throw ApiError.unavailable("Redis is not reachable; the request was not cancelled").exception();
        }
        try {
            publisher.publishCancel(marker).get(kafkaTimeout.toMillis() + 1_000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw ApiError.kafkaUnavailable(
                    "Kafka did not acknowledge the cancellation; repeat the DELETE").exception();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(ApiError.kafkaUnavailable("interrupted"));
        }
        return CancelOutcome.REQUESTED;
    }

    private static CancelMarker parseMarker(String json) {
        try {
            return CancelMarkerCodec.decode(json.getBytes(StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static Optional<ObjectNode> ownDocument(Optional<String> json, Caller caller) {
        if (json.isEmpty()) {
            return Optional.empty();
        }
        try {
            JsonNode node = Json.mapper().readTree(json.get());
            if (node instanceof ObjectNode doc && caller.userId().equals(doc.path("user_id").asText(null))) {
                return Optional.of(doc);
            }
        } catch (Exception e) {
            // not a document: treat as absent
        }
        return Optional.empty();
    }

    private static ObjectNode asCancelRequested(ObjectNode queued, String markerJson) {
        ObjectNode doc = queued.deepCopy();
        doc.put("status", CANCEL_REQUESTED);
        CancelMarker marker = parseMarker(markerJson);
        if (marker != null && marker.cancelledAt() > 0) {
            doc.put("cancel_requested_at", Instant.ofEpochMilli(marker.cancelledAt()).toString());
        }
        return doc;
    }
}
