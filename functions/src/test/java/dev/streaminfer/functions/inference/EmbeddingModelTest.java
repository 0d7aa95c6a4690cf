package dev.streaminfer.functions.inference;

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
     * The bundled models are dynamically quantized: ONNX Runtime picks one activation scale per
     * tensor, so the other members of a batch move each vector a little (measured: cosine ~0.994
     * to the same text embedded alone). The same batch always gives the same vectors.
     */
    @Test
    void batchingMovesAQuantizedVectorOnlySlightlyAndDeterministically() {
        float[] alone = model.embed(List.of("short text"))[0];
        float[][] padded = model.embed(List.of("short text",
                "a considerably longer sentence that forces the short one to be padded with many zeros"));
        assertThat(dot(alone, padded[0])).isGreaterThan(0.99);
        assertThat(model.embed(List.of("short text", "short text"))[1]).containsExactly(alone);
    }

    /**
     * Length-aware execution on the real model: the vectors come back in the order of the texts
     * (each closer to its own text embedded alone than to any other), and a text batched only
     * with texts of its own length moves less than when padded next to a long one.
     */
    @Test
    void lengthAwareExecutionKeepsTheOrderAndPadsLess() {
        String longText = "a considerably longer paragraph about streaming inference, micro-batches, quotas,"
                + " checkpoints and sinks, written so that it is padded far beyond every short sentence here,"
                + " which makes the short ones in its batch wait and pay for tokens they do not have.";
        List<String> texts = List.of("short text", longText, "the cat sits", "kafka to flink", "hello world");
        float[][] alone = texts.stream().map(t -> model.embed(List.of(t))[0]).toArray(float[][]::new);

        float[][] sorted = model.embed(texts, 4 * 8);
        float[][] padded = model.embed(texts, 0);

        for (int i = 0; i < texts.size(); i++) {
            for (int j = 0; j < texts.size(); j++) {
                if (j != i) {
                    assertThat(dot(sorted[i], alone[i])).isGreaterThan(dot(sorted[i], alone[j]));
                }
            }
            assertThat(dot(sorted[i], alone[i])).isGreaterThan(0.97);
        }
        assertThat(dot(sorted[0], alone[0])).isGreaterThanOrEqualTo(dot(padded[0], alone[0]));
    }

    @Test
    void countsTokensWithTheModelsTokenizerIncludingSpecialTokens() {
        // [CLS] hello world [SEP]
        assertThat(model.tokenizer().countTokens("hello world")).isEqualTo(4);
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
