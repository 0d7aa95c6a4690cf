package dev.streaminfer.functions.inference;

import java.io.Serializable;

/**
 * Everything needed to load and run one sentence-embedding model. Locations are either
 * {@code classpath:<resource>} (the bundled models) or a file path (models added by
 * configuration).
 */
public record ModelSpec(
        String name,
        String onnxLocation,
        String tokenizerLocation,
        int maxInputTokens,
        Pooling pooling,
        boolean normalize,
        int dimensions) implements Serializable {}
