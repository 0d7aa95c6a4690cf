package dev.streaminfer.api.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streaminfer.api.ApiError;
import dev.streaminfer.api.ApiException;
import dev.streaminfer.api.request.EmbeddingsBodyParser.EncodingFormat;
import dev.streaminfer.contract.model.InferenceResult;
import dev.streaminfer.contract.model.Priority;
import dev.streaminfer.contract.model.RequestStatus;
import dev.streaminfer.contract.serde.Json;
import dev.streaminfer.contract.serde.ResultDocumentCodec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class EmbeddingsResponseTest {

    private static final float[][] VECTORS = {{0.25f, -1.5f, 3.0e-7f}, {1f, 0f, -0.125f}};

    private static String completed() {
        return ResultDocumentCodec.toJson(new InferenceResult("r1", "alice", "all-minilm-l6-v2-q",
                Priority.NORMAL, RequestStatus.COMPLETED, 9, 9, VECTORS, null, null, 0, 1_000, 2_000, null)).toString();
    }

    private static String finalWith(RequestStatus status, String code, long retryAfterMs) {
        return ResultDocumentCodec.toJson(new InferenceResult("r1", "alice", "all-minilm-l6-v2-q", Priority.NORMAL, status, 9, 0,
                null, code, "why", retryAfterMs, 1_000, 2_000, null)).toString();
    }

    private static ApiError error(String doc) {
        return catchThrowableOfType(ApiException.class, () -> EmbeddingsResponse.body(doc, EncodingFormat.FLOAT))
                .error();
    }

    @Test
    void completed_is_openai_s_list_in_input_order() throws Exception {
        JsonNode out = Json.mapper().readTree(EmbeddingsResponse.body(completed(), EncodingFormat.FLOAT));
        assertThat(out.path("object").asText()).isEqualTo("list");
        assertThat(out.path("model").asText()).isEqualTo("all-minilm-l6-v2-q");
        assertThat(out.at("/usage/prompt_tokens").asInt()).isEqualTo(9);
        assertThat(out.at("/usage/total_tokens").asInt()).isEqualTo(9);
        assertThat(out.path("data")).hasSize(2);
        for (int i = 0; i < 2; i++) {
            JsonNode item = out.path("data").get(i);
            assertThat(item.path("object").asText()).isEqualTo("embedding");
            assertThat(item.path("index").asInt()).isEqualTo(i);
            for (int j = 0; j < 3; j++) {
                assertThat(item.path("embedding").get(j).floatValue()).isEqualTo(VECTORS[i][j]);
            }
        }
    }

    @Test
    void base64_is_little_endian_float32() throws Exception {
        JsonNode out = Json.mapper().readTree(EmbeddingsResponse.body(completed(), EncodingFormat.BASE64));
        byte[] bytes = Base64.getDecoder().decode(out.at("/data/0/embedding").asText());
        assertThat(bytes).hasSize(12);
        // 0.25f is 0x3E800000: little-endian puts its low byte first
        assertThat(bytes).startsWith(0x00, 0x00, (byte) 0x80, 0x3E);
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(new float[] {buffer.getFloat(), buffer.getFloat(), buffer.getFloat()}).containsExactly(VECTORS[0]);
    }

    @Test
    void other_final_statuses_are_errors_with_the_api_s_codes() {
        ApiError quota = error(finalWith(RequestStatus.REJECTED, "quota_exceeded", 1_500));
        assertThat(quota.status()).isEqualTo(429);
        assertThat(quota.retryAfterSeconds()).isEqualTo(2);
        assertThat(error(finalWith(RequestStatus.REJECTED, "input_too_long", 0)).status()).isEqualTo(400);
        assertThat(error(finalWith(RequestStatus.REJECTED, "something_new", 0)).code()).isEqualTo("invalid_request");
        assertThat(error(finalWith(RequestStatus.EXPIRED, "deadline_exceeded", 0)).status()).isEqualTo(504);
        assertThat(error(finalWith(RequestStatus.FAILED, "inference_failed", 0)).status()).isEqualTo(502);
        assertThat(error(finalWith(RequestStatus.FAILED, "result_too_large", 0)).status()).isEqualTo(413);
        assertThat(error(finalWith(RequestStatus.CANCELLED, "cancelled", 0)).status()).isEqualTo(409);
        assertThat(error("not json").status()).isEqualTo(502);
    }
}
