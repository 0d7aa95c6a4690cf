package dev.streaminfer.functions.connector.redis;

import java.io.Serializable;

/**
 * One absolute write: {@code SET key value [EX ttlSeconds]}. Absolute values (never increments)
 * make every write idempotent, which is what lets the sink replay safely.
 */
public record RedisWrite(String key, String value, long ttlSeconds) implements Serializable {

    public static RedisWrite withoutExpiry(String key, String value) {
        return new RedisWrite(key, value, 0);
    }
}
