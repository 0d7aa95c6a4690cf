package dev.streaminfer.contract.model;

/**
 * "Do not compute this request", written by {@code DELETE /v1/requests/{id}} on the requests
 * topic (after the request, in the same partition: both are keyed by the user id) and in Redis.
 * Its wire format is {@link dev.streaminfer.contract.serde.CancelMarkerCodec}'s.
 *
 * @param cancelledAt epoch milliseconds
 */
public record CancelMarker(String requestId, String userId, long cancelledAt) {

    /** Whether this cancel is for {@code request}: its id, and its user's (no one cancels another's). */
    public boolean names(InferenceRequest request) {
        return requestId.equals(request.requestId()) && userId.equals(request.userId());
    }
}
