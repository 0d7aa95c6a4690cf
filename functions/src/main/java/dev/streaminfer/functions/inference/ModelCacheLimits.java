package dev.streaminfer.functions.inference;

import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;

/**
 * What {@link SharedModels} may keep loaded in one TaskManager: at most {@code maxLoaded} models
 * and {@code maxBytes} of model weights (0: no byte budget), and none idle longer than
 * {@code idleTimeout} (zero: kept until evicted).
 */
public record ModelCacheLimits(int maxLoaded, long maxBytes, Duration idleTimeout) implements Serializable {

    public static final ModelCacheLimits DEFAULT = new ModelCacheLimits(4, 0, Duration.ZERO);

    public ModelCacheLimits {
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        if (maxLoaded < 1) {
            throw new IllegalArgumentException("at least one model must be loadable, got " + maxLoaded);
        }
        if (maxBytes < 0 || idleTimeout.isNegative()) {
            throw new IllegalArgumentException("model cache limits out of range: " + maxBytes + " bytes, idle "
                    + idleTimeout);
        }
    }

    public static ModelCacheLimits ofCount(int maxLoaded) {
        return new ModelCacheLimits(maxLoaded, 0, Duration.ZERO);
    }

    boolean overBudget(int loaded, long bytes) {
        return loaded > maxLoaded || (maxBytes > 0 && bytes > maxBytes);
    }

    boolean idleTooLong(long idleMillis) {
        return !idleTimeout.isZero() && idleMillis >= idleTimeout.toMillis();
    }
}
