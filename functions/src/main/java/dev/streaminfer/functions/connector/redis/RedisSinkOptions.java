package dev.streaminfer.functions.connector.redis;

import java.io.Serializable;
import java.time.Duration;

/**
 * How a {@link RedisSink} writes: set through {@link RedisSinkBuilder}, whose defaults are these.
 *
 * @param maxInFlight writes sent but not yet acknowledged after which the writer waits for them
 *     (back-pressure instead of memory)
 * @param maxRetries attempts after the first before a flush fails the task
 * @param initialBackoff wait before the first retry, doubled up to {@code maxBackoff}
 * @param commandTimeout how long one command may wait for its reply
 */
public record RedisSinkOptions(int maxInFlight, int maxRetries, Duration initialBackoff, Duration maxBackoff,
                               Duration commandTimeout) implements Serializable {

    public static final RedisSinkOptions DEFAULTS =
            new RedisSinkOptions(1000, 10, Duration.ofMillis(100), Duration.ofSeconds(5), Duration.ofSeconds(5));

    public RedisSinkOptions {
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight must be >= 1, was " + maxInFlight);
        }
        if (maxRetries < 0) {
            throw new IllegalArgumentException("maxRetries must be >= 0, was " + maxRetries);
        }
        for (Duration d : new Duration[] {initialBackoff, maxBackoff, commandTimeout}) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("backoffs and the command timeout must be positive");
            }
        }
        if (maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("maxBackoff must be >= initialBackoff");
        }
    }
}
