package dev.streaminfer.functions.inference;

import dev.streaminfer.contract.registry.ModelRegistry;
import dev.streaminfer.contract.registry.ModelSpec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.bgesmallenv15q.BgeSmallEnV15QuantizedEmbeddingModel;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Our embeddings against an independent reference: langchain4j's own classes for the two bundled
 * models (test scope only), which embed one text at a time. So the comparison is per text in a
 * batch of one: the models are dynamically quantized, and the other members of a batch move a
 * vector slightly (measured and bounded below).
 */
class ReferenceEmbeddingTest {

    static final List<String> TEXTS = List.of(
            "hi",
            "The quick brown fox jumps over the lazy dog.",
            "Streaming inference on Apache Flink with micro-batches, backpressure and exactly-once sinks: "
                    + "a rather long sentence that goes on to describe checkpoints, Kafka offsets, idempotent "
                    + "writes to PostgreSQL and Redis, and how batches are padded to their longest member.",
            "Ünïcödé tèxt — naïve café, 東京タワー, Здравствуй мир, emoji 🚀🔥",
            "buffalo buffalo buffalo buffalo buffalo buffalo buffalo buffalo",
            "   leading and trailing spaces   ",
            "1234567890 3.14159 2026-11-22T10:00:00Z user@example.com https://example.com/a?b=c");

    static Stream<Arguments> models() {
        return Stream.of(
                Arguments.of(ModelRegistry.ALL_MINILM_L6_V2_Q, new AllMiniLmL6V2QuantizedEmbeddingModel()),
                Arguments.of(ModelRegistry.BGE_SMALL_EN_V15_Q, new BgeSmallEnV15QuantizedEmbeddingModel()));
    }

    @ParameterizedTest
    @MethodSource("models")
    void aTextAloneEqualsTheReferenceWithin1e4PerComponent(ModelSpec spec,
                                                           dev.langchain4j.model.embedding.EmbeddingModel reference) {
        try (EmbeddingModel ours = EmbeddingModel.load(spec, SessionSettings.defaults())) {
            double worst = 0;
            for (String text : TEXTS) {
                float[] expected = reference.embed(text).content().vector();
                float[] actual = ours.embed(List.of(text))[0];
                assertThat(actual).hasSize(expected.length);
                worst = Math.max(worst, maxAbsDiff(expected, actual));
            }
            System.out.printf("reference check %s: max |diff| = %.2e over %d texts%n", spec.name(), worst, TEXTS.size());
            assertThat(worst).isLessThan(1e-4);
        }
    }

    /**
     * The batch-composition effect, measured: each text embedded inside a batch of all the others
     * (padded to the longest) against the same text alone. Deterministic for a given batch.
     */
    @ParameterizedTest
    @MethodSource("models")
    void insideABatchAVectorMovesOnlySlightly(ModelSpec spec, dev.langchain4j.model.embedding.EmbeddingModel unused) {
        try (EmbeddingModel ours = EmbeddingModel.load(spec, SessionSettings.defaults())) {
            float[][] batched = ours.embed(TEXTS);
            double minCosine = 1;
            double worstDiff = 0;
            for (int i = 0; i < TEXTS.size(); i++) {
                float[] alone = ours.embed(List.of(TEXTS.get(i)))[0];
                minCosine = Math.min(minCosine, dot(alone, batched[i]));
                worstDiff = Math.max(worstDiff, maxAbsDiff(alone, batched[i]));
            }
            System.out.printf("batch effect %s: min cosine %.5f, max |diff| %.2e (batch of %d vs alone)%n",
                    spec.name(), minCosine, worstDiff, TEXTS.size());
            assertThat(minCosine).isGreaterThan(0.975);
            assertThat(ours.embed(TEXTS)).isDeepEqualTo(batched);
        }
    }

    static double maxAbsDiff(float[] a, float[] b) {
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        return worst;
    }

    static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }
}
