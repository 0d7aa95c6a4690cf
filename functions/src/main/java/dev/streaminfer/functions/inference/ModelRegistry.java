package dev.streaminfer.functions.inference;

import java.io.Serializable;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** The models that can be asked for, by name. Immutable; serializable so Flink can ship it. */
public final class ModelRegistry implements Serializable {

    public static final String DEFAULT_MODEL = "all-minilm-l6-v2-q";

    /** sentence-transformers/all-MiniLM-L6-v2, quantized; trained on sequences up to 256 tokens. */
    public static final ModelSpec ALL_MINILM_L6_V2_Q = new ModelSpec(
            "all-minilm-l6-v2-q",
            "classpath:all-minilm-l6-v2-q.onnx",
            "classpath:all-minilm-l6-v2-q-tokenizer.json",
            256, Pooling.MEAN, true, 384);

    /** BAAI/bge-small-en-v1.5, quantized; CLS pooling as its authors specify. */
    public static final ModelSpec BGE_SMALL_EN_V15_Q = new ModelSpec(
            "bge-small-en-v15-q",
            "classpath:bge-small-en-v1.5-q.onnx",
            "classpath:bge-small-en-v1.5-q-tokenizer.json",
            512, Pooling.CLS, true, 384);

    private final Map<String, ModelSpec> models;
    private final String defaultModel;

    private ModelRegistry(Map<String, ModelSpec> models, String defaultModel) {
        this.models = Collections.unmodifiableMap(new LinkedHashMap<>(models));
        this.defaultModel = defaultModel;
    }

    /** The two models bundled through their Maven jars. */
    public static ModelRegistry bundled() {
        Map<String, ModelSpec> models = new LinkedHashMap<>();
        models.put(ALL_MINILM_L6_V2_Q.name(), ALL_MINILM_L6_V2_Q);
        models.put(BGE_SMALL_EN_V15_Q.name(), BGE_SMALL_EN_V15_Q);
        return new ModelRegistry(models, DEFAULT_MODEL);
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
