package dev.streaminfer.functions.inference;

import dev.streaminfer.contract.registry.Execution;
import dev.streaminfer.contract.registry.ModelRegistry;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The bundled MiniLM model, loaded from its Maven jar, run on ONNX Runtime for real. */
class EmbeddingModelTest {

    private static EmbeddingModel model;

    @BeforeAll
    static void load() {
        model = EmbeddingModel.load(ModelRegistry.ALL_MINILM_L6_V2_Q, SessionSettings.defaults());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void producesUnitVectorsOf384Dimensions() {
        float[][] vectors = model.embed(List.of("The cat sits on the mat.", "Streaming inference on Flink"));
        assertThat(vectors).hasNumberOfRows(2);
        for (float[] v : vectors) {
            assertThat(v).hasSize(384);
            assertThat(norm(v)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
        }
    }

    @Test
    void relatedSentencesAreCloserThanUnrelatedOnes() {
        float[][] v = model.embed(List.of(
                "A man is playing a guitar.",
                "Someone plays an acoustic guitar.",
                "The stock market fell sharply today."));
        assertThat(dot(v[0], v[1])).isGreaterThan(dot(v[0], v[2]) + 0.2);
    }

    /**
     * The bundled MiniLM is dynamically quantized: ONNX Runtime picks one activation scale per
     * tensor, so in one padded call the other members move each vector (measured: cosine ~0.994
     * to the same text alone), deterministically. Served, it runs row by row: the same vector as
     * alone, bit for bit, whatever it is embedded with.
     */
    @Test
    void aQuantizedModelRunsRowByRowSoItsBatchMatesDoNotMoveAVector() {
        String longer = "a considerably longer sentence that forces the short one to be padded with many zeros";
        float[] alone = model.embed(List.of("short text"))[0];

        assertThat(model.execution()).isEqualTo(Execution.ROW);
        assertThat(model.embed(List.of("short text", longer))[0]).containsExactly(alone);
        assertThat(model.embed(List.of(longer, "short text"), 16)[1]).containsExactly(alone);
        assertThat(model.embed(List.of("short text", "short text"))[1]).containsExactly(alone);

        float[][] oneCall = model.embedInOneCall(List.of("short text", longer));
        assertThat(dot(alone, oneCall[0])).isGreaterThan(0.99);
        assertThat(oneCall[0]).isNotEqualTo(alone);
        assertThat(model.embedInOneCall(List.of("short text", longer))).isDeepEqualTo(oneCall);
    }

    /**
     * Length-aware execution on the real float32 model (served batched): the vectors come back in
     * the order of the texts, each within 1e-5 of its own text embedded alone, whether the batch
     * runs sorted into sub-batches or padded to its longest member in one call.
     */
    @Test
    void lengthAwareExecutionKeepsTheOrderAndEveryVectorOfItsTextAlone() {
        String longText = "a considerably longer paragraph about streaming inference, micro-batches, quotas,"
                + " checkpoints and sinks, written so that it is padded far beyond every short sentence here,"
                + " which makes the short ones in its batch wait and pay for tokens they do not have.";
        List<String> texts = List.of("short text", longText, "the cat sits", "kafka to flink", "hello world");
        try (EmbeddingModel float32 = EmbeddingModel.load(ModelRegistry.ALL_MINILM_L6_V2, SessionSettings.defaults())) {
            assertThat(float32.execution()).isEqualTo(Execution.BATCHED);
            float[][] alone = texts.stream().map(t -> float32.embed(List.of(t))[0]).toArray(float[][]::new);

            float[][] sorted = float32.embed(texts, 4 * 8);
            float[][] padded = float32.embed(texts, 0);

            for (int i = 0; i < texts.size(); i++) {
                for (int j = 0; j < texts.size(); j++) {
                    if (j != i) {
                        assertThat(dot(sorted[i], alone[i])).isGreaterThan(dot(sorted[i], alone[j]));
                    }
                }
                assertThat(maxAbsDiff(sorted[i], alone[i])).isLessThanOrEqualTo(EmbeddingModel.INVARIANCE_TOLERANCE);
                assertThat(maxAbsDiff(padded[i], alone[i])).isLessThanOrEqualTo(EmbeddingModel.INVARIANCE_TOLERANCE);
            }
        }
    }

    /**
     * A model configured batched whose rows move with their batch mates (here: the quantized
     * MiniLM, misconfigured) fails the probe at load and is run row by row.
     */
    @Test
    void aBatchedModelWhoseRowsInteractRunsRowByRowInstead() {
        try (EmbeddingModel misconfigured = EmbeddingModel.load(
                ModelRegistry.ALL_MINILM_L6_V2_Q.withExecution(Execution.BATCHED), SessionSettings.defaults())) {
            assertThat(misconfigured.batchDeviation()).isGreaterThan(EmbeddingModel.INVARIANCE_TOLERANCE);
            assertThat(misconfigured.execution()).isEqualTo(Execution.ROW);
            float[] alone = misconfigured.embedInOneCall(List.of("short text"))[0];
            assertThat(misconfigured.embed(List.of("short text", "a much longer neighbour to pad against"), 0)[0])
                    .containsExactly(alone);
        }
    }

    @Test
    void countsTokensWithTheModelsTokenizerIncludingSpecialTokens() {
        // [CLS] hello world [SEP]
        assertThat(model.tokenizer().countTokens("hello world")).isEqualTo(4);
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        double worst = 0;
        for (int i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
        return worst;
    }

    private static double norm(float[] v) {
        return Math.sqrt(dot(v, v));
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += (double) a[i] * b[i];
        return s;
    }
}
