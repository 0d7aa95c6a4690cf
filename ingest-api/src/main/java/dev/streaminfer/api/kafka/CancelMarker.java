package dev.streaminfer.api.kafka;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streaminfer.contract.serde.Json;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * "Do not compute this request": written by {@code DELETE /v1/requests/{id}}.
 *
 * <p>On Kafka it travels on {@code inference-requests}, keyed by the user id (same partition as
 * the request, so the job sees it after the request), with header
 * {@value #TYPE_HEADER}={@value #TYPE_CANCEL} and value
 * {@code {"type":"cancel","request_id","user_id","cancelled_at"}} (epoch ms). The same JSON is the
 * value of the Redis key {@code inference:cancel:{request_id}}.
 */
public record CancelMarker(String requestId, String userId, long cancelledAt) {

    /** Record header naming the kind of record on {@code inference-requests}; absent = a request. */
    public static final String TYPE_HEADER = "streaminfer-type";
    public static final String TYPE_CANCEL = "cancel";

    public byte[] toJsonBytes() {
        try {
            return Json.mapper().writeValueAsBytes(toJson());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String toJsonString() {
        return toJson().toString();
    }

    private ObjectNode toJson() {
        ObjectNode node = Json.mapper().createObjectNode();
        node.put("type", TYPE_CANCEL);
        node.put("request_id", requestId);
        node.put("user_id", userId);
        node.put("cancelled_at", cancelledAt);
        return node;
    }
}
