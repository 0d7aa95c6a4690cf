package dev.streaminfer.functions.inference;

import dev.streaminfer.contract.registry.ModelRegistry;
import dev.streaminfer.contract.registry.ModelSpec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.bgesmallenv15.BgeSmallEnV15EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.bgesmallenv15q.BgeSmallEnV15QuantizedEmbeddingModel;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Our embeddings against an independent reference: langchain4j's own classes for the four bundled
 * models (test scope only), which embed one text at a time. A text alone matches them; served
 * inside a batch it still does, because the quantized models run row by row (in one padded call
 * their vectors would move with their batch mates: measured below) and the float32 ones keep
 * padded rows within 1e-5.
 */
class ReferenceEmbeddingTest {

    /** The hand-picked extremes the invariance property also always uses. */
    static final List<String> TEXTS = VariedTexts.FIXED;

    static Stream<Arguments> models() {
        return Stream.of(
                Arguments.of(ModelRegistry.ALL_MINILM_L6_V2_Q, new AllMiniLmL6V2QuantizedEmbeddingModel()),
                Arguments.of(ModelRegistry.BGE_SMALL_EN_V15_Q, new BgeSmallEnV15QuantizedEmbeddingModel()),
                Arguments.of(ModelRegistry.ALL_MINILM_L6_V2, new AllMiniLmL6V2EmbeddingModel()),
                Arguments.of(ModelRegistry.BGE_SMALL_EN_V15, new BgeSmallEnV15EmbeddingModel()));
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
     * Served inside a batch of all the others, each text's vector still matches the reference and
     * is within 1e-5 of the text alone. In one call padded to the longest, the batch-composition
     * effect is measured: it moves a quantized vector (deterministically for a given batch) and
     * leaves a float32 one where it was.
     */
    @ParameterizedTest
    @MethodSource("models")
    void insideABatchAVectorStaysTheVectorOfItsTextAlone(ModelSpec spec,
                                                         dev.langchain4j.model.embedding.EmbeddingModel reference) {
        try (EmbeddingModel ours = EmbeddingModel.load(spec, SessionSettings.defaults())) {
            float[][] served = ours.embed(TEXTS, 1024);
            float[][] oneCall = ours.embedInOneCall(TEXTS);
            double minCosine = 1;
            double oneCallDiff = 0;
            double servedDiff = 0;
            for (int i = 0; i < TEXTS.size(); i++) {
                float[] alone = ours.embed(List.of(TEXTS.get(i)))[0];
                minCosine = Math.min(minCosine, dot(alone, oneCall[i]));
                oneCallDiff = Math.max(oneCallDiff, maxAbsDiff(alone, oneCall[i]));
                servedDiff = Math.max(servedDiff, maxAbsDiff(alone, served[i]));
                assertThat(maxAbsDiff(reference.embed(TEXTS.get(i)).content().vector(), served[i])).isLessThan(1e-4);
            }
            System.out.printf("batch effect %s: one padded call of %d: min cosine %.5f, max |diff| %.2e; served (%s):"
                    + " max |diff| %.2e%n", spec.name(), TEXTS.size(), minCosine, oneCallDiff,
                    ours.execution().jsonName(), servedDiff);
            assertThat(servedDiff).isLessThanOrEqualTo(EmbeddingModel.INVARIANCE_TOLERANCE);
            assertThat(minCosine).isGreaterThan(0.975);
            assertThat(ours.embedInOneCall(TEXTS)).isDeepEqualTo(oneCall);
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
