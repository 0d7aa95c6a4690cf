package dev.streaminfer.contract.registry;

import java.io.Serializable;
import java.util.Objects;

/**
 * Everything needed to load and run one sentence-embedding model. Locations are either
 * {@code classpath:<resource>} (the bundled models) or a file path (models added by
 * configuration).
 *
 * @param maxBatchTexts  most texts in one batch of this model; 0 means the job-wide default
 * @param maxBatchTokens most tokens (sum over the batch's texts) in one batch; 0 means the job-wide default
 * @param execution      how its texts are laid out into model calls; {@link Execution#ROW} unless the
 *                       model's rows are known to be independent of their batch mates
 */
public record ModelSpec(
        String name,
        String onnxLocation,
        String tokenizerLocation,
        int maxInputTokens,
        Pooling pooling,
        boolean normalize,
        int dimensions,
        int maxBatchTexts,
        int maxBatchTokens,
        Execution execution) implements Serializable {

    public ModelSpec {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a model needs a name");
        }
        Objects.requireNonNull(onnxLocation, "onnxLocation of model " + name);
        Objects.requireNonNull(tokenizerLocation, "tokenizerLocation of model " + name);
        Objects.requireNonNull(pooling, "pooling of model " + name);
        Objects.requireNonNull(execution, "execution of model " + name);
        if (maxInputTokens <= 0 || dimensions <= 0) {
            throw new IllegalArgumentException("model " + name + ": max input tokens and dimensions must be positive");
        }
        if (maxBatchTexts < 0 || maxBatchTokens < 0) {
            throw new IllegalArgumentException("model " + name + ": batch limits must be 0 (default) or positive");
        }
    }

    /** A model run row by row ({@link Execution#ROW}). */
    public ModelSpec(String name, String onnxLocation, String tokenizerLocation, int maxInputTokens,
                     Pooling pooling, boolean normalize, int dimensions, int maxBatchTexts, int maxBatchTokens) {
        this(name, onnxLocation, tokenizerLocation, maxInputTokens, pooling, normalize, dimensions,
                maxBatchTexts, maxBatchTokens, Execution.ROW);
    }

    /** A model that uses the job-wide batch limits, run row by row ({@link Execution#ROW}). */
    public ModelSpec(String name, String onnxLocation, String tokenizerLocation, int maxInputTokens,
                     Pooling pooling, boolean normalize, int dimensions) {
        this(name, onnxLocation, tokenizerLocation, maxInputTokens, pooling, normalize, dimensions, 0, 0);
    }

    public ModelSpec withBatchLimits(int texts, int tokens) {
        return new ModelSpec(name, onnxLocation, tokenizerLocation, maxInputTokens, pooling, normalize,
                dimensions, texts, tokens, execution);
    }

    public ModelSpec withExecution(Execution other) {
        return new ModelSpec(name, onnxLocation, tokenizerLocation, maxInputTokens, pooling, normalize,
                dimensions, maxBatchTexts, maxBatchTokens, other);
    }
}
