package dev.streaminfer.contract.serde;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streaminfer.contract.model.ErrorCode;
import dev.streaminfer.contract.model.InferenceRequest;
import dev.streaminfer.contract.model.Priority;
import dev.streaminfer.contract.validation.RequestLimits;
import dev.streaminfer.contract.validation.ValidationFailure;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The wire format of the {@code inference-requests} topic. Decoding trusts nothing: the topic is
 * open to producers other than the API, so every field is type-checked and every failure is a
 * {@link ValidationFailure}, never an exception.
 */
public final class InferenceRequestCodec {

    /** Either a structurally valid request or why not. */
    public record Decoded(InferenceRequest request, ValidationFailure failure) {
        static Decoded ok(InferenceRequest request) {
            return new Decoded(request, null);
        }

        static Decoded failed(ErrorCode code, String message) {
            return new Decoded(null, new ValidationFailure(code, message));
        }

        public boolean isValid() {
            return failure == null;
        }
    }

    private InferenceRequestCodec() {}

    public static byte[] encode(InferenceRequest request) {
        ObjectNode node = Json.mapper().createObjectNode();
        node.put("request_id", request.requestId());
        node.put("user_id", request.userId());
        node.put("model", request.model());
        ArrayNode inputs = node.putArray("inputs");
        for (String input : request.inputs()) {
            inputs.add(input);
        }
        node.put("priority", request.priority().wireName());
        node.put("deadline", request.deadline());
        node.put("submitted_at", request.submittedAt());
        try {
            return Json.mapper().writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Decodes one record value. {@code fallbackSubmittedAt} (the Kafka record timestamp) stands in
     * for a missing {@code submitted_at}, so a replay decides the same way.
     */
    public static Decoded decode(
            byte[] value, String defaultModel, long fallbackSubmittedAt, String traceparent) {
        if (value == null || value.length == 0) {
            return Decoded.failed(ErrorCode.NOT_JSON, "record value is empty");
        }
        JsonNode root;
        try {
            root = Json.mapper().readTree(value);
        } catch (JacksonException e) {
            return Decoded.failed(ErrorCode.NOT_JSON, "value is not valid JSON within limits: "
                    + e.getOriginalMessage());
        } catch (IOException e) {
            return Decoded.failed(ErrorCode.NOT_JSON, "value could not be read: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            return Decoded.failed(ErrorCode.WRONG_TYPE, "value must be a JSON object");
        }

        Field<String> requestId = requiredText(root, "request_id", RequestLimits.MAX_REQUEST_ID_LENGTH);
        if (requestId.failure != null) return requestId.failure;
        Field<String> userId = requiredText(root, "user_id", RequestLimits.MAX_USER_ID_LENGTH);
        if (userId.failure != null) return userId.failure;

        String model = defaultModel;
        JsonNode modelNode = root.get("model");
        if (modelNode != null && !modelNode.isNull()) {
            if (!modelNode.isTextual()) return Decoded.failed(ErrorCode.WRONG_TYPE, "model must be a string");
            model = modelNode.textValue();
        }

        JsonNode inputsNode = root.get("inputs");
        if (inputsNode == null || inputsNode.isNull()) {
            return Decoded.failed(ErrorCode.MISSING_FIELD, "inputs is required");
        }
        if (!inputsNode.isArray()) {
            return Decoded.failed(ErrorCode.WRONG_TYPE, "inputs must be an array of strings");
        }
        String[] inputs = new String[inputsNode.size()];
        for (int i = 0; i < inputs.length; i++) {
            JsonNode item = inputsNode.get(i);
            if (!item.isTextual()) {
                return Decoded.failed(ErrorCode.WRONG_TYPE, "inputs[" + i + "] must be a string");
            }
            inputs[i] = item.textValue();
        }

        Priority priority = Priority.NORMAL;
        JsonNode priorityNode = root.get("priority");
        if (priorityNode != null && !priorityNode.isNull()) {
            if (!priorityNode.isTextual() || Priority.fromWireName(priorityNode.textValue()).isEmpty()) {
                return Decoded.failed(ErrorCode.WRONG_TYPE, "priority must be one of " + Priority.WIRE_NAMES);
            }
            priority = Priority.fromWireName(priorityNode.textValue()).get();
        }

        Field<Long> submittedAt = optionalEpochMillis(root, "submitted_at", fallbackSubmittedAt);
        if (submittedAt.failure != null) return submittedAt.failure;
        Field<Long> deadline = optionalEpochMillis(
                root, "deadline", submittedAt.value + RequestLimits.DEFAULT_TIMEOUT_MS);
        if (deadline.failure != null) return deadline.failure;

        return Decoded.ok(new InferenceRequest(requestId.value, userId.value, model, inputs, priority,
                deadline.value, submittedAt.value, 0, traceparent));
    }

    private record Field<T>(T value, Decoded failure) {}

    private static Field<String> requiredText(JsonNode root, String name, int maxLength) {
        JsonNode node = root.get(name);
        if (node == null || node.isNull()) {
            return new Field<>(null, Decoded.failed(ErrorCode.MISSING_FIELD, name + " is required"));
        }
        if (!node.isTextual() || node.textValue().isBlank()) {
            return new Field<>(null, Decoded.failed(ErrorCode.WRONG_TYPE, name + " must be a non-blank string"));
        }
        if (node.textValue().length() > maxLength) {
            return new Field<>(null, Decoded.failed(ErrorCode.INVALID_REQUEST,
                    name + " is longer than " + maxLength + " characters"));
        }
        return new Field<>(node.textValue(), null);
    }

    private static Field<Long> optionalEpochMillis(JsonNode root, String name, long fallback) {
        JsonNode node = root.get(name);
        if (node == null || node.isNull()) {
            return new Field<>(fallback, null);
        }
        if (!node.canConvertToLong() || !node.isIntegralNumber() || node.longValue() < 0) {
            return new Field<>(null, Decoded.failed(ErrorCode.WRONG_TYPE,
                    name + " must be a non-negative integer (epoch milliseconds)"));
        }
        return new Field<>(node.longValue(), null);
    }
}
