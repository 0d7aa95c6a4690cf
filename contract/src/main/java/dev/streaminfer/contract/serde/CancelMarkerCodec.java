package dev.streaminfer.contract.serde;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streaminfer.contract.model.CancelMarker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The wire format of a cancel: on {@code inference-requests} a record with header
 * {@value #TYPE_HEADER}={@value #TYPE_CANCEL} (records without that header are requests), key =
 * user id, value {@code {"type":"cancel","request_id","user_id","cancelled_at"}} (epoch ms); the
 * same JSON is the value of the Redis key {@code inference:cancel:{request_id}}.
 */
public final class CancelMarkerCodec {

    /** Record header naming the kind of record on {@code inference-requests}; absent = a request. */
    public static final String TYPE_HEADER = "streaminfer-type";
    public static final String TYPE_CANCEL = "cancel";

    private CancelMarkerCodec() {}

    /** Whether a record's {@value #TYPE_HEADER} header value (null when absent) marks a cancel. */
    public static boolean isCancel(byte[] typeHeaderValue) {
        return typeHeaderValue != null
                && TYPE_CANCEL.equals(new String(typeHeaderValue, StandardCharsets.US_ASCII));
    }

    public static byte[] encode(CancelMarker marker) {
        try {
            return Json.mapper().writeValueAsBytes(toJson(marker));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String toJsonString(CancelMarker marker) {
        return toJson(marker).toString();
    }

    /**
     * Reads a cancel; the topic is open to producers other than the API, so nothing is trusted.
     *
     * @throws IllegalArgumentException if {@code json} is not a cancel with a request id, a user id
     *     and a non-negative {@code cancelled_at}
     */
    public static CancelMarker decode(byte[] json) {
        JsonNode node;
        try {
            node = Json.mapper().readTree(json);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
        }
        if (node == null || !node.isObject() || !TYPE_CANCEL.equals(node.path("type").asText(null))) {
            throw new IllegalArgumentException("not a cancel (\"type\" must be \"" + TYPE_CANCEL + "\")");
        }
        String requestId = text(node, "request_id");
        String userId = text(node, "user_id");
        JsonNode at = node.path("cancelled_at");
        if (!at.canConvertToLong() || !at.isIntegralNumber() || at.asLong() < 0) {
            throw new IllegalArgumentException("cancelled_at must be epoch milliseconds");
        }
        return new CancelMarker(requestId, userId, at.asLong());
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.path(field);
        if (!value.isTextual() || value.asText().isEmpty()) {
            throw new IllegalArgumentException(field + " must be a non-empty string");
        }
        return value.asText();
    }

    private static ObjectNode toJson(CancelMarker marker) {
        ObjectNode node = Json.mapper().createObjectNode();
        node.put("type", TYPE_CANCEL);
        node.put("request_id", marker.requestId());
        node.put("user_id", marker.userId());
        node.put("cancelled_at", marker.cancelledAt());
        return node;
    }
}
