package dev.streaminfer.api.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streaminfer.api.ApiError;
import dev.streaminfer.api.ApiException;
import dev.streaminfer.api.request.EmbeddingsBodyParser.EncodingFormat;
import dev.streaminfer.contract.model.ErrorCode;
import dev.streaminfer.contract.model.RequestStatus;
import dev.streaminfer.contract.serde.Json;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Base64;

/**
 * The answer of {@code POST /v1/embeddings} for a final result document: OpenAI's list of
 * embeddings in input order for {@code completed}, or the error the other statuses mean.
 */
public final class EmbeddingsResponse {

    private EmbeddingsResponse() {}

    /**
     * @param resultDocument a final result document (the job's, or the API's {@code cancelled} view)
     * @return the {@code 200} body
     * @throws ApiException {@code rejected}: the job's code with its status (429 with
     *     {@code Retry-After} for the quota); {@code expired}: 504; {@code failed}: 502 (413 for a
     *     result over the size limit); {@code cancelled}: 409
     */
    public static String body(String resultDocument, EncodingFormat format) {
        JsonNode doc;
        try {
            doc = Json.mapper().readTree(resultDocument);
        } catch (IOException e) {
            throw new ApiError(502, ErrorCode.INFERENCE_FAILED.code(), "the result could not be read").exception();
        }
        RequestStatus status = RequestStatus.fromWireName(doc.path("status").asText()).orElse(RequestStatus.FAILED);
        if (status != RequestStatus.COMPLETED) {
            throw errorOf(status, doc.path("error")).exception();
        }
        ObjectNode out = Json.mapper().createObjectNode();
        out.put("object", "list");
        ArrayNode data = out.putArray("data");
        JsonNode vectors = doc.path("result").path("embeddings");
        for (int i = 0; i < vectors.size(); i++) {
            ObjectNode item = data.addObject();
            item.put("object", "embedding");
            item.put("index", i);
            JsonNode vector = vectors.get(i);
            if (format == EncodingFormat.BASE64) {
                item.put("embedding", base64(vector));
            } else {
                item.set("embedding", vector);
            }
        }
        out.put("model", doc.path("model").asText());
        ObjectNode usage = out.putObject("usage");
        int tokens = doc.path("usage").path("input_tokens").asInt();
        usage.put("prompt_tokens", tokens);
        usage.put("total_tokens", tokens);
        return out.toString();
    }

    /** Little-endian float32, as OpenAI's {@code encoding_format: base64}. */
    static String base64(JsonNode vector) {
        ByteBuffer bytes = ByteBuffer.allocate(vector.size() * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (JsonNode v : vector) {
            bytes.putFloat(v.floatValue());
        }
        return Base64.getEncoder().encodeToString(bytes.array());
    }

    private static ApiError errorOf(RequestStatus status, JsonNode error) {
        String code = error.path("code").asText("");
        String message = error.path("message").asText(status.wireName());
        return switch (status) {
            case REJECTED -> {
                ErrorCode known = Arrays.stream(ErrorCode.values()).filter(c -> c.code().equals(code)).findFirst()
                        .orElse(ErrorCode.INVALID_REQUEST);
                long retryAfterMs = error.path("retry_after_ms").asLong(0);
                yield new ApiError(ApiError.statusOf(known), known.code(), message, (retryAfterMs + 999) / 1000);
            }
            case EXPIRED -> new ApiError(504, ErrorCode.DEADLINE_EXCEEDED.code(), message);
            case CANCELLED -> new ApiError(409, ErrorCode.CANCELLED.code(), message);
            default -> ErrorCode.RESULT_TOO_LARGE.code().equals(code)
                    ? new ApiError(413, code, message)
                    : new ApiError(502, ErrorCode.INFERENCE_FAILED.code(), message);
        };
    }
}
