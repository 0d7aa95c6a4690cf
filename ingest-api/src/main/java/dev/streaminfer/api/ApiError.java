package dev.streaminfer.api;

import dev.streaminfer.contract.model.ErrorCode;

/**
 * One error answer: HTTP status, snake_case code and a message a client can act on (never the
 * caller's key or input text). {@code retryAfterSeconds} > 0 adds a {@code Retry-After} header.
 * {@code param} names the request field at fault, where there is one (OpenAI's error shape on
 * {@code /v1/embeddings} carries it; null otherwise).
 *
 * <p>Codes come from the shared {@link ErrorCode}; the few conditions that only the HTTP layer
 * knows (a dependency down, a wrong method, a bug) use the constants below.
 */
public record ApiError(int status, String code, String message, long retryAfterSeconds, String param) {

    /** A dependency (Redis, PostgreSQL) needed to answer is unreachable; nothing was accepted. */
    public static final String UNAVAILABLE = "service_unavailable";
    /** The route exists but not with this method. */
    public static final String METHOD_NOT_ALLOWED = "method_not_allowed";
    /** A bug: never caused by input, always logged. */
    public static final String INTERNAL = "internal_error";
    /** The same Idempotency-Key is still being processed by a concurrent request. */
    public static final String IDEMPOTENCY_IN_PROGRESS = "idempotency_in_progress";
    /** The same Idempotency-Key was already used for a request with a different body (422). */
    public static final String IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused";
    /**
     * Kafka did not confirm a write that it may nevertheless hold (a timeout after the record was
     * handed to the producer): neither "accepted" nor "nothing was accepted" would be true (503).
     */
    public static final String OUTCOME_UNKNOWN = "outcome_unknown";
    /**
     * {@code POST /v1/embeddings} waited as long as it may and the request is not final yet (504):
     * it goes on, and its id (header {@code X-Request-Id}) fetches the result later.
     */
    public static final String RESULT_PENDING = "result_pending";

    public ApiError(int status, String code, String message, long retryAfterSeconds) {
        this(status, code, message, retryAfterSeconds, null);
    }

    public ApiError(int status, String code, String message) {
        this(status, code, message, 0);
    }

    /** The same error, naming the request field at fault. */
    public ApiError withParam(String field) {
        return new ApiError(status, code, message, retryAfterSeconds, field);
    }

    public static ApiError of(ErrorCode code, String message) {
        return new ApiError(statusOf(code), code.code(), message);
    }

    public ApiException exception() {
        return new ApiException(this);
    }

    /** The HTTP status DESIGN.md gives each shared error code. */
    public static int statusOf(ErrorCode code) {
        return switch (code) {
            case INVALID_REQUEST, INPUT_TOO_LONG, TOO_MANY_INPUTS, NOT_JSON, MISSING_FIELD, WRONG_TYPE, UNKNOWN_PLAN,
                 SUBMITTED_AT_OUT_OF_RANGE -> 400;
            case UNAUTHORIZED -> 401;
            case FORBIDDEN -> 403;
            case UNKNOWN_MODEL, NOT_FOUND -> 404;
            case ALREADY_FINAL -> 409;
            case PAYLOAD_TOO_LARGE -> 413;
            case QUOTA_EXCEEDED -> 429;
            case KAFKA_UNAVAILABLE -> 503;
            case DEADLINE_EXCEEDED, INFERENCE_FAILED, CANCELLED, RESULT_TOO_LARGE -> 409;
        };
    }

    public static ApiError notFound(String what) {
        return of(ErrorCode.NOT_FOUND, what);
    }

    public static ApiError unavailable(String message) {
        return new ApiError(503, UNAVAILABLE, message, 1);
    }

    public static ApiError kafkaUnavailable(String message) {
        return new ApiError(503, ErrorCode.KAFKA_UNAVAILABLE.code(), message, 1);
    }

    /** 503 {@link #OUTCOME_UNKNOWN}: retry after {@code retryAfterSeconds} (at least 1). */
    public static ApiError outcomeUnknown(String message, long retryAfterSeconds) {
        return new ApiError(503, OUTCOME_UNKNOWN, message, Math.max(1, retryAfterSeconds));
    }
}
