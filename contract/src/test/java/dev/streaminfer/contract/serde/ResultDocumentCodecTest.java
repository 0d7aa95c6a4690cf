package dev.streaminfer.contract.serde;

import static dev.streaminfer.contract.TestRequests.T0;
import static dev.streaminfer.contract.TestRequests.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streaminfer.contract.model.ErrorCode;
import dev.streaminfer.contract.model.InferenceResult;
import dev.streaminfer.contract.model.RequestStatus;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ResultDocumentCodecTest {

    @Test
    void completedResultHasTheDocumentShapeOfTheDesign() throws Exception {
        InferenceResult result = InferenceResult.completed(
                request("r-1", "alice", "a", "b").withInputTokens(7), new float[][] {{0.5f, -0.25f}, {1f, 0f}}, 7, T0 + 1500);
        JsonNode doc = Json.mapper().readTree(ResultDocumentCodec.encode(result));
        assertThat(doc.get("request_id").asText()).isEqualTo("r-1");
        assertThat(doc.get("user_id").asText()).isEqualTo("alice");
        assertThat(doc.get("status").asText()).isEqualTo("completed");
        assertThat(doc.get("priority").asText()).isEqualTo("normal");
        assertThat(doc.at("/usage/input_tokens").asInt()).isEqualTo(7);
        assertThat(doc.at("/usage/charged_tokens").asInt()).isEqualTo(7);
        assertThat(doc.at("/result/embeddings/0/1").floatValue()).isEqualTo(-0.25f);
        assertThat(doc.get("submitted_at").asText()).isEqualTo("2026-11-22T10:00:00Z");
        assertThat(doc.get("completed_at").asText()).isEqualTo("2026-11-22T10:00:01.500Z");
        assertThat(doc.has("error")).isFalse();
        assertThat(ResultDocumentCodec.decode(ResultDocumentCodec.encode(result))).isEqualTo(result);
    }

    @Test
    void rejectedResultCarriesItsErrorAndRetryHint() throws Exception {
        InferenceResult result = InferenceResult.unsuccessful(request("r-2", "bob", "x"), RequestStatus.REJECTED,
                ErrorCode.QUOTA_EXCEEDED, "daily budget spent", 4200, T0 + 10);
        JsonNode doc = Json.mapper().readTree(ResultDocumentCodec.encode(result));
        assertThat(doc.at("/error/code").asText()).isEqualTo("quota_exceeded");
        assertThat(doc.at("/error/retry_after_ms").asLong()).isEqualTo(4200);
        assertThat(doc.at("/usage/charged_tokens").asInt()).isZero();
        assertThat(doc.has("result")).isFalse();
        assertThat(ResultDocumentCodec.decode(ResultDocumentCodec.encode(result))).isEqualTo(result);
    }

    @Test
    void aDocumentWrittenBeforePrioritiesWereRecordedDecodesWithoutOne() {
        String older = "{\"request_id\":\"r-3\",\"user_id\":\"carol\",\"model\":\"all-minilm-l6-v2-q\","
                + "\"status\":\"queued\",\"usage\":{\"input_tokens\":4,\"charged_tokens\":0},"
                + "\"submitted_at\":\"2026-11-22T10:00:00Z\"}";
        InferenceResult result = ResultDocumentCodec.decode(older.getBytes(StandardCharsets.UTF_8));
        assertThat(result.priority()).isNull();
        assertThat(result.status()).isEqualTo(RequestStatus.QUEUED);
        assertThat(ResultDocumentCodec.toJson(result).has("priority")).isFalse();
    }

    @Test
    void garbageIsNotADocument() {
        assertThatThrownBy(() -> ResultDocumentCodec.decode("{}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
