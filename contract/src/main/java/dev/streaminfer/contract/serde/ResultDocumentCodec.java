package dev.streaminfer.contract.serde;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streaminfer.contract.model.InferenceResult;
import dev.streaminfer.contract.model.Priority;
import dev.streaminfer.contract.model.RequestStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;

/** The result document of DESIGN.md, shared by the API, Redis and the results topic. */
public final class ResultDocumentCodec {

    private ResultDocumentCodec() {}

    public static ObjectNode toJson(InferenceResult result) {
        ObjectNode doc = Json.mapper().createObjectNode();
        doc.put("request_id", result.requestId());
        doc.put("user_id", result.userId());
        doc.put("model", result.model());
        if (result.priority() != null) {
            doc.put("priority", result.priority().wireName());
        }
        doc.put("status", result.status().wireName());
        ObjectNode usage = doc.putObject("usage");
        usage.put("input_tokens", result.inputTokens());
        usage.put("charged_tokens", result.chargedTokens());
        if (result.embeddings() != null) {
            ArrayNode vectors = doc.putObject("result").putArray("embeddings");
            for (float[] vector : result.embeddings()) {
                ArrayNode values = vectors.addArray();
                for (float v : vector) {
                    values.add(v);
                }
            }
        }
        if (result.errorCode() != null) {
            ObjectNode error = doc.putObject("error");
            error.put("code", result.errorCode());
            error.put("message", result.errorMessage());
            if (result.retryAfterMs() > 0) {
                error.put("retry_after_ms", result.retryAfterMs());
            }
        }
        doc.put("submitted_at", Instant.ofEpochMilli(result.submittedAt()).toString());
        if (result.completedAt() > 0) {
            doc.put("completed_at", Instant.ofEpochMilli(result.completedAt()).toString());
        }
        return doc;
    }

    public static byte[] encode(InferenceResult result) {
        try {
            return Json.mapper().writeValueAsBytes(toJson(result));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads a document this codec wrote (from Redis or the results topic); its traceparent is null. */
    public static InferenceResult decode(byte[] json) {
        try {
            JsonNode doc = Json.mapper().readTree(json);
            JsonNode usage = doc.path("usage");
            JsonNode error = doc.path("error");
            float[][] embeddings = null;
            JsonNode vectors = doc.path("result").path("embeddings");
            if (vectors.isArray()) {
                embeddings = new float[vectors.size()][];
                for (int i = 0; i < embeddings.length; i++) {
                    JsonNode values = vectors.get(i);
                    embeddings[i] = new float[values.size()];
                    for (int j = 0; j < embeddings[i].length; j++) {
                        embeddings[i][j] = values.get(j).floatValue();
                    }
                }
            }
            return new InferenceResult(
                    doc.path("request_id").asText(),
                    doc.path("user_id").asText(),
                    doc.path("model").asText(),
                    Priority.fromWireName(doc.path("priority").asText(null)).orElse(null),
                    RequestStatus.fromWireName(doc.path("status").asText())
                            .orElseThrow(() -> new IOException("unknown status")),
                    usage.path("input_tokens").asInt(),
                    usage.path("charged_tokens").asInt(),
                    embeddings,
                    error.isObject() ? error.path("code").asText() : null,
                    error.isObject() ? error.path("message").asText() : null,
                    error.path("retry_after_ms").asLong(0),
                    Instant.parse(doc.path("submitted_at").asText()).toEpochMilli(),
                    doc.hasNonNull("completed_at")
                            ? Instant.parse(doc.path("completed_at").asText()).toEpochMilli()
                            : 0L,
                    null); // the traceparent is not part of the document
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("not a result document: " + e.getMessage(), e);
        }
    }
}
