package dev.streaminfer.functions.connector.redis;

import java.io.Serializable;
import java.util.List;

/** Turns one stream element into the Redis writes that represent it. */
@FunctionalInterface
public interface RedisWriteMapper<T> extends Serializable {
    List<RedisWrite> toWrites(T element);
}
