package dev.streaminfer.contract.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The models that can be asked for, by name. Immutable; serializable so Flink can ship it.
 *
 * <p>The four bundled models work out of the box: MiniLM and BGE-small, each dynamically quantized
 * ({@code -q}) and float32. Any other ONNX sentence-embedding model on disk
 * is added by configuration alone: a JSON file named by the job option
 * {@code streaminfer.models.file} (or the environment variable {@value #MODELS_FILE_ENV}) lists them:
 *
 * <pre>{@code
 * {"default_model": "my-model",
 *  "models": [
 *    {"name": "my-model", "onnx": "my-model/model.onnx", "tokenizer": "my-model/tokenizer.json",
 *     "max_input_tokens": 256, "pooling": "mean", "normalize": true, "dimensions": 384,
 *     "max_batch_texts": 32, "max_batch_tokens": 8192, "execution": "batched"},
 *    {"name": "bge-small-en-v15-q", "max_batch_texts": 16}
 *  ]}
 * }</pre>
 *
 * Relative paths are resolved against the JSON file's folder. An entry named like a bundled model
 * changes only the fields it sets (here: its batch limit). {@code pooling} ({@code mean} or
 * {@code cls}) defaults to mean, {@code normalize} to true, the batch limits to the job-wide ones.
 *
 * <p>{@code execution} ({@link Execution}) says how a batch's texts reach the model: {@code row}
 * (the default: one call per text, so a text's vector never depends on its batch mates) or
 * {@code batched} (padded calls under the attention mask; only for models whose rows stay within
 * 1e-5 of the text alone, such as float32 ones; never for dynamically quantized models). A model
 * configured batched is probed when it loads and runs row by row if padding moves its rows more.
 */
public final class ModelRegistry implements Serializable {

    public static final String DEFAULT_MODEL = "all-minilm-l6-v2-q";

    /** Environment variable naming the models file when the configuration does not. */
    public static final String MODELS_FILE_ENV = "STREAMINFER_MODELS_FILE";

    private static final Set<String> FIELDS = Set.of("name", "onnx", "tokenizer", "max_input_tokens", "pooling",
            "normalize", "dimensions", "max_batch_texts", "max_batch_tokens", "execution");

    /**
     * sentence-transformers/all-MiniLM-L6-v2, dynamically quantized; trained on sequences up to 256
     * tokens. Row by row: ONNX Runtime picks one activation scale per batch tensor, so batch mates
     * would move a vector by up to 0.05 per component (measured over 512 varied texts).
     */
    public static final ModelSpec ALL_MINILM_L6_V2_Q = new ModelSpec(
            "all-minilm-l6-v2-q",
            "classpath:all-minilm-l6-v2-q.onnx",
            "classpath:all-minilm-l6-v2-q-tokenizer.json",
            256, Pooling.MEAN, true, 384, 0, 0, Execution.ROW);

    /** BAAI/bge-small-en-v1.5, dynamically quantized; CLS pooling as its authors specify. Row by row, as MiniLM. */
    public static final ModelSpec BGE_SMALL_EN_V15_Q = new ModelSpec(
            "bge-small-en-v15-q",
            "classpath:bge-small-en-v1.5-q.onnx",
            "classpath:bge-small-en-v1.5-q-tokenizer.json",
            512, Pooling.CLS, true, 384, 0, 0, Execution.ROW);

    /**
     * sentence-transformers/all-MiniLM-L6-v2, float32. Batched: padded rows under the attention
     * mask came out bit for bit equal to the text alone on CPU (ONNX Runtime 1.23), so batches are
     * safe, and they are what a GPU needs; on 2 CPU cores row by row was faster (95 vs 76
     * texts/s), so a CPU-only deployment may set {@code "execution": "row"} for it.
     */
    public static final ModelSpec ALL_MINILM_L6_V2 = new ModelSpec(
            "all-minilm-l6-v2",
            "classpath:all-minilm-l6-v2.onnx",
            "classpath:all-minilm-l6-v2-tokenizer.json",
            256, Pooling.MEAN, true, 384, 0, 0, Execution.BATCHED);

    /** BAAI/bge-small-en-v1.5, float32; CLS pooling. Batched, as {@link #ALL_MINILM_L6_V2} (CPU: 51 row-wise vs 39 batched texts/s). */
    public static final ModelSpec BGE_SMALL_EN_V15 = new ModelSpec(
            "bge-small-en-v15",
            "classpath:bge-small-en-v1.5.onnx",
            "classpath:bge-small-en-v1.5-tokenizer.json",
            512, Pooling.CLS, true, 384, 0, 0, Execution.BATCHED);

    private final Map<String, ModelSpec> models;
    private final String defaultModel;

    private ModelRegistry(Map<String, ModelSpec> models, String defaultModel) {
        this.models = Collections.unmodifiableMap(new LinkedHashMap<>(models));
        this.defaultModel = defaultModel;
    }

    /** The four models bundled through their Maven jars, quantized ones first. */
    public static ModelRegistry bundled() {
        Map<String, ModelSpec> models = new LinkedHashMap<>();
        for (ModelSpec spec : List.of(ALL_MINILM_L6_V2_Q, BGE_SMALL_EN_V15_Q, ALL_MINILM_L6_V2, BGE_SMALL_EN_V15)) {
            models.put(spec.name(), spec);
        }
        return new ModelRegistry(models, DEFAULT_MODEL);
    }

    /**
     * The bundled models plus those in {@code configuredFile}, else in the file named by the
     * environment variable {@value #MODELS_FILE_ENV}; the bundled ones alone if neither is set.
     */
    public static ModelRegistry resolve(Optional<String> configuredFile, Map<String, String> environment) {
        String file = configuredFile.orElse(environment.get(MODELS_FILE_ENV));
        if (file == null || file.isBlank()) {
            return bundled();
        }
        return bundled().withModelsFile(Path.of(file));
    }

    /**
     * This registry plus the models of a JSON models file (see the class comment).
     *
     * @throws IllegalArgumentException naming the file and the entry, if the file is unreadable,
     *     malformed, or names files that do not exist
     */
    public ModelRegistry withModelsFile(Path file) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read models file " + file + ": " + e.getMessage(), e);
        }
        if (root == null || !root.isObject() || !root.path("models").isArray()) {
            throw new IllegalArgumentException("models file " + file + ": expected {\"models\": [...]}");
        }
        Path base = file.toAbsolutePath().getParent();
        Map<String, ModelSpec> copy = new LinkedHashMap<>(models);
        int i = 0;
        for (JsonNode node : root.path("models")) {
            ModelSpec spec = parseEntry(node, base, copy, file + " models[" + i++ + "]");
            copy.put(spec.name(), spec);
        }
        String defaultName = root.path("default_model").asText(defaultModel);
        if (!copy.containsKey(defaultName)) {
            throw new IllegalArgumentException("models file " + file + ": default_model " + defaultName + " is not a model");
        }
        return new ModelRegistry(copy, defaultName);
    }

    private static ModelSpec parseEntry(JsonNode node, Path base, Map<String, ModelSpec> known, String where) {
        if (!node.isObject()) {
            throw new IllegalArgumentException(where + ": expected an object");
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String field = names.next();
            if (!FIELDS.contains(field)) {
                throw new IllegalArgumentException(where + ": unknown field " + field + " (known: " + FIELDS + ")");
            }
        }
        String name = node.path("name").asText("");
        if (name.isBlank()) {
            throw new IllegalArgumentException(where + ": name is required");
        }
        ModelSpec existing = known.get(name);
        try {
            String onnx = location(node, "onnx", base, existing == null ? null : existing.onnxLocation(), where);
            String tokenizer = location(node, "tokenizer", base, existing == null ? null : existing.tokenizerLocation(), where);
            Pooling pooling = node.has("pooling")
                    ? Pooling.valueOf(node.get("pooling").asText().toUpperCase(Locale.ROOT))
                    : existing == null ? Pooling.MEAN : existing.pooling();
            return new ModelSpec(name, onnx, tokenizer,
                    intField(node, "max_input_tokens", existing == null ? null : existing.maxInputTokens(), where),
                    pooling,
                    node.has("normalize") ? node.get("normalize").asBoolean() : existing == null || existing.normalize(),
                    intField(node, "dimensions", existing == null ? null : existing.dimensions(), where),
                    intField(node, "max_batch_texts", existing == null ? 0 : existing.maxBatchTexts(), where),
                    intField(node, "max_batch_tokens", existing == null ? 0 : existing.maxBatchTokens(), where),
                    node.has("execution") ? Execution.fromJson(node.get("execution").asText())
                            : existing == null ? Execution.ROW : existing.execution());
        } catch (IllegalArgumentException e) {
            throw e.getMessage() != null && e.getMessage().startsWith(where) ? e
                    : new IllegalArgumentException(where + " (" + name + "): " + e.getMessage(), e);
        }
    }

    private static String location(JsonNode node, String field, Path base, String inherited, String where) {
        if (!node.has(field)) {
            if (inherited == null) {
                throw new IllegalArgumentException(where + ": " + field + " (a file path) is required");
            }
            return inherited;
        }
        Path path = base.resolve(node.get(field).asText()).normalize();
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException(where + ": " + field + " file does not exist: " + path);
        }
        return path.toString();
    }

    private static int intField(JsonNode node, String field, Integer inherited, String where) {
        if (!node.has(field)) {
            if (inherited == null) {
                throw new IllegalArgumentException(where + ": " + field + " is required");
            }
            return inherited;
        }
        if (!node.get(field).canConvertToInt()) {
            throw new IllegalArgumentException(where + ": " + field + " must be an integer");
        }
        return node.get(field).asInt();
    }

    /** A registry with one more model (a later one with the same name replaces it). */
    public ModelRegistry with(ModelSpec spec) {
        Map<String, ModelSpec> copy = new LinkedHashMap<>(models);
        copy.put(spec.name(), spec);
        return new ModelRegistry(copy, defaultModel);
    }

    public Optional<ModelSpec> find(String name) {
        return Optional.ofNullable(models.get(name));
    }

    public Collection<ModelSpec> all() {
        return models.values();
    }

    public String defaultModel() {
        return defaultModel;
    }
}
