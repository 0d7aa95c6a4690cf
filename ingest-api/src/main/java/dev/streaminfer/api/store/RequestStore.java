package dev.streaminfer.api.store;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The API's view of Redis. Key layout ({@link RedisKeys}): result documents (written by the
 * job), accepted markers and cancel markers (written by the API), idempotency claims, the usage
 * mirror (written by the job). The real one is {@link RedisRequestStore}; unit tests use a fake
 * that passes the same contract test.
 *
 * <p>Every method throws {@link StoreUnavailableException} (or, for a future, fails with it) when
 * Redis cannot be asked in time.
 */
public interface RequestStore {

    /** The job's result document for a request, as stored. */
    Optional<String> resultDocument(String requestId);

    /** Result documents of many requests at once (absent ones are missing from the map). */
    Map<String, String> resultDocuments(List<String> requestIds);

    /** Records that the API accepted a request: a queued result document for its owner. */
    void putAccepted(String requestId, String queuedDocument, Duration ttl);

    Optional<String> acceptedDocument(String requestId);

    /**
     * {@link #putAccepted} and {@link #usage} in one round trip (both commands are sent before
     * either answer is awaited), without blocking the caller: the hot path of accepting a request.
     * The future fails with {@link StoreUnavailableException} when Redis does not answer both in time.
     */
    CompletableFuture<Optional<String>> putAcceptedAndReadUsage(String requestId, String queuedDocument, Duration ttl,
                                                                String userId);

    /** Sets the cancel marker unless one exists; true if this call set it. */
    boolean putCancelIfAbsent(String requestId, String marker, Duration ttl);

    Optional<String> cancelMarker(String requestId);

    /** The job's usage mirror for a user (JSON), if any. */
    Optional<String> usage(String userId);

    /**
     * Claims an idempotency key: stores {@code value} if the key is free and returns empty, or
     * returns the value already stored (atomic: of concurrent claims exactly one gets empty).
     */
    Optional<String> claimIdempotency(String key, String value, Duration ttl);

    /**
     * Replaces the value of a claimed key only if it still holds {@code expectedValue}, and keeps
     * it for {@code ttl} from now (atomic compare-and-set).
     *
     * @return true if this call replaced it; false if the key holds something else or nothing
     */
    boolean replaceIdempotency(String key, String expectedValue, String value, Duration ttl);

    /** Deletes the key only if it still holds {@code expectedValue}. */
    void releaseIdempotency(String key, String expectedValue);

    Optional<String> idempotency(String key);

    /** Round-trip check for readiness. */
    boolean ping();

    /** Redis could not answer in time. */
    final class StoreUnavailableException extends RuntimeException {
        public StoreUnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
