package dev.streaminfer.functions.inference;

import dev.streaminfer.contract.registry.Execution;
import dev.streaminfer.contract.registry.ModelRegistry;
import dev.streaminfer.contract.registry.ModelSpec;
import dev.streaminfer.contract.registry.Pooling;
import dev.streaminfer.functions.batching.BatchingOptions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Models added by configuration alone: a JSON file naming an ONNX file and tokenizer on disk. */
class ModelRegistryTest {

    @TempDir
    static Path dir;

    @BeforeAll
    static void copyTheBundledModelToDisk() throws IOException {
        Files.createDirectories(dir.resolve("my-model"));
        copy("all-minilm-l6-v2-q.onnx", dir.resolve("my-model/model.onnx"));
        copy("all-minilm-l6-v2-q-tokenizer.json", dir.resolve("my-model/tokenizer.json"));
    }

    @Test
    void bundledModelsWorkOutOfTheBox() {
        ModelRegistry registry = BatchingOptions.modelRegistry(new Configuration(), Map.of());
        assertThat(registry.all()).extracting(ModelSpec::name)
                .containsExactly("all-minilm-l6-v2-q", "bge-small-en-v15-q", "all-minilm-l6-v2", "bge-small-en-v15");
        assertThat(registry.defaultModel()).isEqualTo("all-minilm-l6-v2-q");
        assertThat(registry.all()).extracting(ModelSpec::execution)
                .containsExactly(Execution.ROW, Execution.ROW, Execution.BATCHED, Execution.BATCHED);
    }

    /** The float32 models come from their own Maven jars; the quantized ones keep theirs. */
    @Test
    void everyBundledModelLoadsFromItsJarWithItsOwnWeights() {
        List<String> texts = List.of("the same text");
        try (EmbeddingModel quantized = EmbeddingModel.load(ModelRegistry.BGE_SMALL_EN_V15_Q, SessionSettings.defaults());
             EmbeddingModel float32 = EmbeddingModel.load(ModelRegistry.BGE_SMALL_EN_V15, SessionSettings.defaults())) {
            float[] q = quantized.embed(texts)[0];
            float[] f = float32.embed(texts)[0];
            assertThat(f).hasSize(384).isNotEqualTo(q);
            double cosine = 0;
            for (int i = 0; i < q.length; i++) cosine += (double) q[i] * f[i];
            assertThat(cosine).isGreaterThan(0.95);
        }
        assertThat(ModelRegistry.ALL_MINILM_L6_V2.pooling()).isEqualTo(Pooling.MEAN);
        assertThat(ModelRegistry.BGE_SMALL_EN_V15.pooling()).isEqualTo(Pooling.CLS);
    }

    @Test
    void theExecutionLayoutIsSetInTheFileAndDefaultsToRowWise() throws IOException {
        ModelRegistry registry = registryOf("""
                {"models": [
                  {"name": "mine", "onnx": "my-model/model.onnx", "tokenizer": "my-model/tokenizer.json",
                   "max_input_tokens": 128, "dimensions": 384},
                  {"name": "mine-batched", "onnx": "my-model/model.onnx", "tokenizer": "my-model/tokenizer.json",
                   "max_input_tokens": 128, "dimensions": 384, "execution": "batched"},
                  {"name": "all-minilm-l6-v2", "max_batch_texts": 8},
                  {"name": "bge-small-en-v15", "execution": "row"}]}""");

        assertThat(registry.find("mine").orElseThrow().execution()).isEqualTo(Execution.ROW);
        assertThat(registry.find("mine-batched").orElseThrow().execution()).isEqualTo(Execution.BATCHED);
        assertThat(registry.find("all-minilm-l6-v2").orElseThrow().execution()).isEqualTo(Execution.BATCHED);
        assertThat(registry.find("bge-small-en-v15").orElseThrow().execution()).isEqualTo(Execution.ROW);
        assertThat(registry.find("all-minilm-l6-v2-q").orElseThrow().execution()).isEqualTo(Execution.ROW);
    }

    @Test
    void aModelOnDiskIsAddedByAConfiguredFileAndComputesLikeTheBundledOne() throws IOException {
        Path file = write("models.json", """
                {"default_model": "my-model",
                 "models": [{"name": "my-model", "onnx": "my-model/model.onnx", "tokenizer": "my-model/tokenizer.json",
                             "max_input_tokens": 128, "pooling": "mean", "normalize": true, "dimensions": 384,
                             "max_batch_texts": 8, "max_batch_tokens": 1000}]}
                """);
        Configuration conf = new Configuration();
        conf.set(BatchingOptions.MODELS_FILE, file.toString());

        ModelRegistry registry = BatchingOptions.modelRegistry(conf, Map.of());

        ModelSpec spec = registry.find("my-model").orElseThrow();
        assertThat(registry.defaultModel()).isEqualTo("my-model");
        assertThat(spec.onnxLocation()).isEqualTo(dir.resolve("my-model/model.onnx").toString());
        assertThat(spec.maxInputTokens()).isEqualTo(128);
        assertThat(spec.maxBatchTexts()).isEqualTo(8);
        assertThat(spec.maxBatchTokens()).isEqualTo(1000);
        try (EmbeddingModel mine = EmbeddingModel.load(spec, SessionSettings.defaults());
             EmbeddingModel bundled = EmbeddingModel.load(ModelRegistry.ALL_MINILM_L6_V2_Q, SessionSettings.defaults())) {
            List<String> texts = List.of("configured by a file", "same weights");
            assertThat(mine.embed(texts)).isDeepEqualTo(bundled.embed(texts));
        }
    }

    @Test
    void theEnvironmentVariableNamesTheFileWhenTheConfigurationDoesNot() throws IOException {
        Path file = write("env.json", """
                {"models": [{"name": "bge-small-en-v15-q", "max_batch_texts": 16}]}
                """);

        ModelRegistry registry = BatchingOptions.modelRegistry(new Configuration(),
                Map.of(ModelRegistry.MODELS_FILE_ENV, file.toString()));

        ModelSpec bge = registry.find("bge-small-en-v15-q").orElseThrow();
        assertThat(bge.maxBatchTexts()).isEqualTo(16);
        assertThat(bge.onnxLocation()).isEqualTo(ModelRegistry.BGE_SMALL_EN_V15_Q.onnxLocation());
        assertThat(bge.pooling()).isEqualTo(Pooling.CLS);
    }

    @Test
    void mistakesInTheFileAreReportedWithTheEntry() throws IOException {
        assertThatThrownBy(() -> registryOf("""
                {"models": [{"name": "x", "onnx": "missing.onnx", "tokenizer": "my-model/tokenizer.json",
                             "max_input_tokens": 128, "dimensions": 384}]}"""))
                .hasMessageContaining("models[0]").hasMessageContaining("does not exist");
        assertThatThrownBy(() -> registryOf("""
                {"models": [{"name": "x", "onnx": "my-model/model.onnx", "tokenizer": "my-model/tokenizer.json",
                             "max_input_tokens": 128}]}"""))
                .hasMessageContaining("dimensions is required");
        assertThatThrownBy(() -> registryOf("""
                {"models": [{"name": "x", "onxx": "my-model/model.onnx"}]}"""))
                .hasMessageContaining("unknown field onxx");
        assertThatThrownBy(() -> registryOf("""
                {"models": [{"name": "bge-small-en-v15-q", "pooling": "max"}]}"""))
                .hasMessageContaining("bge-small-en-v15-q");
        assertThatThrownBy(() -> registryOf("""
                {"models": [{"name": "bge-small-en-v15-q", "execution": "sideways"}]}"""))
                .hasMessageContaining("models[0]").hasMessageContaining("bge-small-en-v15-q")
                .hasMessageContaining("execution must be row or batched");
        assertThatThrownBy(() -> registryOf("[]")).hasMessageContaining("expected {\"models\"");
        assertThatThrownBy(() -> registryOf("""
                {"models": [], "default_model": "nope"}"""))
                .hasMessageContaining("default_model");
    }

    @Test
    void aModelWhoseOutputDoesNotMatchItsDimensionsDoesNotLoad() {
        ModelSpec wrong = new ModelSpec("wrong", dir.resolve("my-model/model.onnx").toString(),
                dir.resolve("my-model/tokenizer.json").toString(), 128, Pooling.MEAN, true, 768);
        assertThatThrownBy(() -> EmbeddingModel.load(wrong, SessionSettings.defaults()))
                .isInstanceOf(ModelUnavailableException.class)
                .hasMessageContaining("384 dimensions");
    }

    private static ModelRegistry registryOf(String json) throws IOException {
        return ModelRegistry.bundled().withModelsFile(write("bad.json", json));
    }

    private static Path write(String name, String json) throws IOException {
        return Files.writeString(dir.resolve(name), json);
    }

    private static void copy(String resource, Path target) throws IOException {
        try (InputStream in = ModelRegistryTest.class.getClassLoader().getResourceAsStream(resource)) {
            Files.copy(in, target);
        }
    }
}
