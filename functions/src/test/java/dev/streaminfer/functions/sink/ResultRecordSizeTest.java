package dev.streaminfer.functions.sink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streaminfer.contract.model.InferenceRequest;
import dev.streaminfer.contract.model.InferenceResult;
import dev.streaminfer.contract.model.Priority;
import dev.streaminfer.contract.model.RequestStatus;
import dev.streaminfer.contract.serde.ResultDocumentCodec;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ResultRecordSizeTest {

    private static InferenceResult completed(int vectors) {
        float[][] embeddings = new float[vectors][384];
        for (float[] vector : embeddings) {
            Arrays.fill(vector, -0.012345678f);
        }
        InferenceRequest request = new InferenceRequest("r-1", "alice", "all-minilm-l6-v2-q", new String[vectors],
                Priority.NORMAL, 0L, 1_000L, 7 * vectors, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        return InferenceResult.completed(request, embeddings, 7 * vectors, 2_000L);
    }

    @Test
    void aResultFarBelowTheLimitIsKeptWithoutEncodingIt() {
        assertThat(ResultRecordSize.replacementIfTooLarge(completed(1), 1024 * 1024, 3_000L)).isEmpty();
    }

    @Test
    void aResultJustWithinTheLimitIsKeptAndOneByteLessMakesItFail() {
        InferenceResult result = completed(16);
        long exact = ResultDocumentCodec.encode(result).length + (long) ResultRecordSize.ENVELOPE_BYTES;
        assertThat(exact).isLessThan(ResultRecordSize.upperBound(16, 384));
        assertThat(ResultRecordSize.replacementIfTooLarge(result, exact, 3_000L)).isEmpty();

        InferenceResult failed = ResultRecordSize.replacementIfTooLarge(result, exact - 1, 3_000L).orElseThrow();
        assertThat(failed.status()).isEqualTo(RequestStatus.FAILED);
        assertThat(failed.errorCode()).isEqualTo("result_too_large");
        assertThat(failed.errorMessage()).contains("16 vectors").contains(Long.toString(exact - 1));
        assertThat(failed.embeddings()).isNull();
        assertThat(failed.chargedTokens()).isZero();
        assertThat(failed.inputTokens()).isEqualTo(112);
        assertThat(failed.completedAt()).isEqualTo(3_000L);
        assertThat(failed.traceparent()).isEqualTo(result.traceparent());
        assertThat(ResultDocumentCodec.encode(failed).length).as("what replaces it is small").isLessThan(1024);
    }

    @Test
    void resultsWithoutVectorsAlwaysFit() {
        InferenceResult failed = ResultRecordSize.replacementIfTooLarge(completed(4), 1, 3_000L).orElseThrow();
        assertThat(ResultRecordSize.replacementIfTooLarge(failed, 1, 4_000L)).isEmpty();
    }
}
