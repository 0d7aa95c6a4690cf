package dev.streaminfer.functions.batching;

import java.io.Serializable;

/**
 * When a model's batch closes: at {@code maxTexts} texts, at {@code maxTokens} tokens (the sum
 * of its texts' token counts), or {@code maxWaitMs} after its oldest request arrived, whichever
 * comes first. A single request larger than a limit still forms a batch of its own.
 */
public record BatchLimits(int maxTexts, int maxTokens, long maxWaitMs) implements Serializable {

    public BatchLimits {
        if (maxTexts < 1 || maxTokens < 1 || maxWaitMs < 0) {
            throw new IllegalArgumentException("batch limits must be positive (max wait may be 0): texts=" + maxTexts
                    + " tokens=" + maxTokens + " waitMs=" + maxWaitMs);
        }
    }
}
