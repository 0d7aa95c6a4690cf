package dev.streaminfer.functions.batching;

import java.io.Serializable;

/**
 * When a model's batch closes: at {@code maxTexts} texts, at {@code maxTokens} tokens (the sum
 * of its texts' token counts), or {@code maxWaitMs} after its oldest request arrived, whichever
 * comes first. A single request larger than a limit still forms a batch of its own.
 */
public record BatchLimits(int maxTexts, int maxTokens, long maxWaitMs) implements Serializable {

    /**
     * Below this many texts a batch counts as tiny: with some inference threads at work it waits
     * (at most {@code maxWaitMs}) for more rather than take a free thread. A quarter of
     * {@code maxTexts}; 1 (never tiny) for record-at-a-time batches.
     */
    public int tinyTexts() {
        return Math.max(1, maxTexts / 4);
    }

    public BatchLimits {
        if (maxTexts < 1 || maxTokens < 1 || maxWaitMs < 0) {
            throw new IllegalArgumentException("batch limits must be positive (max wait may be 0): texts=" + maxTexts
                    + " tokens=" + maxTokens + " waitMs=" + maxWaitMs);
        }
    }
}
