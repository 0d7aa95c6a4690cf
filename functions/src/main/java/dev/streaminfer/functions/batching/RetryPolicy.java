package dev.streaminfer.functions.batching;

import java.io.Serializable;

/** How often a failing batch is tried, and how long to wait between tries (doubling, capped). */
public record RetryPolicy(int maxAttempts, long initialBackoffMs, long maxBackoffMs) implements Serializable {

    public static final long MAX_BACKOFF_MS = 5_000;

    public RetryPolicy {
        if (maxAttempts < 1 || initialBackoffMs < 0 || maxBackoffMs < initialBackoffMs) {
            throw new IllegalArgumentException("retry policy out of range: attempts=" + maxAttempts
                    + " backoff=" + initialBackoffMs + ".." + maxBackoffMs);
        }
    }

    /** The wait after failed attempt {@code attempt} (1-based). */
    public long backoffMs(int attempt) {
        long wait = initialBackoffMs << Math.min(attempt - 1, 20);
        return Math.min(wait, maxBackoffMs);
    }
}
