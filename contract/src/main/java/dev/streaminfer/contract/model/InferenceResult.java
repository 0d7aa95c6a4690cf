package dev.streaminfer.contract.model;

import java.util.Arrays;
import java.util.Objects;

/**
 * The outcome of one request: the result document shared by the API, Redis, PostgreSQL and the
 * {@code inference-results} topic. {@code priority} is the request's (null in documents written
 * before results recorded it). {@code embeddings} is null unless the request completed;
 * {@code errorCode} is null unless it did not. Times are epoch milliseconds; {@code completedAt}
 * is 0 while queued. {@code traceparent} is the request's W3C trace context (null if unknown): it
 * parents the sink-write spans and is not part of the result document, nor of equality.
 */
public record InferenceResult(
        String requestId,
        String userId,
        String model,
        Priority priority,
        RequestStatus status,
        int inputTokens,
        int chargedTokens,
        float[][] embeddings,
        String errorCode,
        String errorMessage,
        long retryAfterMs,
        long submittedAt,
        long completedAt,
        String traceparent) {

    public static InferenceResult completed(
            InferenceRequest request, float[][] embeddings, int chargedTokens, long completedAt) {
        return new InferenceResult(request.requestId(), request.userId(), request.model(),
                request.priority(), RequestStatus.COMPLETED, request.inputTokens(), chargedTokens, embeddings,
                null, null, 0L, request.submittedAt(), completedAt, request.traceparent());
    }

    /** A final status other than completed: nothing is charged. */
    public static InferenceResult unsuccessful(
            InferenceRequest request, RequestStatus status, ErrorCode code, String message,
            long retryAfterMs, long completedAt) {
        return new InferenceResult(request.requestId(), request.userId(), request.model(),
                request.priority(), status, request.inputTokens(), 0, null, code.code(), message, retryAfterMs,
                request.submittedAt(), completedAt, request.traceparent());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof InferenceResult r
                && inputTokens == r.inputTokens
                && chargedTokens == r.chargedTokens
                && retryAfterMs == r.retryAfterMs
                && submittedAt == r.submittedAt
                && completedAt == r.completedAt
                && Objects.equals(requestId, r.requestId)
                && Objects.equals(userId, r.userId)
                && Objects.equals(model, r.model)
                && priority == r.priority
                && status == r.status
                && Arrays.deepEquals(embeddings, r.embeddings)
                && Objects.equals(errorCode, r.errorCode)
                && Objects.equals(errorMessage, r.errorMessage);
    }

    @Override
    public int hashCode() {
        return Objects.hash(requestId, status, chargedTokens, completedAt);
    }

    @Override
    public String toString() {
        return "InferenceResult{requestId=" + requestId + ", userId=" + userId + ", model=" + model
                + ", priority=" + priority + ", status=" + status + ", inputTokens=" + inputTokens
                + ", chargedTokens=" + chargedTokens + ", errorCode=" + errorCode
                + ", embeddings=" + (embeddings == null ? 0 : embeddings.length) + "}";
    }
}
