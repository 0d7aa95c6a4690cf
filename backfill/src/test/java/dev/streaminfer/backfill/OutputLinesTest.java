package dev.streaminfer.backfill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streaminfer.contract.model.ErrorCode;
import dev.streaminfer.contract.model.InferenceRequest;
import dev.streaminfer.contract.model.InferenceResult;
import dev.streaminfer.contract.model.Priority;
import dev.streaminfer.contract.model.RequestStatus;
import org.junit.jupiter.api.Test;

class OutputLinesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static InferenceRequest request(String id, int tokens) {
        return new InferenceRequest(id, "ops-admin", "all-minilm-l6-v2-q", new String[] {"t"}, Priority.NORMAL,
                Long.MAX_VALUE, 1_000L, tokens, null);
    }

    @Test
    void aCompletedDocumentIsItsVectorExactlyWithModelAndTokens() throws Exception {
        float[] vector = {0.1f, -0.0000123f, 1f / 3, Float.MIN_NORMAL};
        String line = OutputLines.of(Outcome.of(
                InferenceResult.completed(request("doc \"1\"", 7), new float[][] {vector}, 7, 2_000L)));
        JsonNode node = JSON.readTree(line);
        assertThat(node.fieldNames()).toIterable().containsExactly("id", "model", "embedding", "input_tokens");
        assertThat(node.get("id").asText()).isEqualTo("doc \"1\"");
        assertThat(node.get("model").asText()).isEqualTo("all-minilm-l6-v2-q");
        assertThat(node.get("input_tokens").asInt()).isEqualTo(7);
        float[] read = new float[node.get("embedding").size()];
        for (int i = 0; i < read.length; i++) {
            read[i] = node.get("embedding").get(i).floatValue();
        }
        assertThat(read).containsExactly(vector);
        assertThat(line).doesNotContain("\n");
    }

    @Test
    void aRefusedDocumentIsAnErrorLineByIdAndAnUnusableLineByLineNumber() throws Exception {
        String byId = OutputLines.of(Outcome.of(InferenceResult.unsuccessful(request("d", 0), RequestStatus.REJECTED,
                ErrorCode.INPUT_TOO_LONG, "text has 300 tokens", 0, 2_000L)));
        assertThat(JSON.readTree(byId)).isEqualTo(JSON.readTree(
                "{\"id\": \"d\", \"error\": {\"code\": \"input_too_long\", \"message\": \"text has 300 tokens\"}}"));
        String byLine = OutputLines.of(Outcome.unusableLine(17, ErrorCode.NOT_JSON, "line 17 is not JSON", "m", 0));
        assertThat(JSON.readTree(byLine)).isEqualTo(JSON.readTree(
                "{\"line\": 17, \"error\": {\"code\": \"not_json\", \"message\": \"line 17 is not JSON\"}}"));
    }

    @Test
    void keysAreReadBackFromEveryShape() {
        assertThat(OutputLines.keyOf(OutputLines.embedding("a:b", "m", new float[] {1f}, 1)))
                .isEqualTo(OutputLines.Key.ofId("a:b"));
        assertThat(OutputLines.keyOf(OutputLines.error("x", "invalid_request", "m"))).isEqualTo(OutputLines.Key.ofId("x"));
        assertThat(OutputLines.keyOf(OutputLines.lineError(42, "not_json", "m"))).isEqualTo(OutputLines.Key.ofLine(42));
    }

    @Test
    void aLineThisClassDidNotWriteIsRefused() {
        assertThatThrownBy(() -> OutputLines.keyOf("hello")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> OutputLines.keyOf("[1]")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> OutputLines.keyOf("{\"model\": \"m\", \"id\": \"a\"}"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> OutputLines.keyOf("{\"id\": 3}")).isInstanceOf(IllegalArgumentException.class);
    }
}
