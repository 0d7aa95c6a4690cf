package dev.streaminfer.functions.sink.redis;

import java.time.Duration;
import java.util.Objects;

/** Builds a {@link RedisSink}; only the URI and the mapper are required. */
public final class RedisSinkBuilder<T> {

    private String redisUri;
    private RedisWriteMapper<T> mapper;
    private int maxInFlight = 1000;
    private int maxRetries = 10;
    private Duration initialBackoff = Duration.ofMillis(100);
    private Duration maxBackoff = Duration.ofSeconds(5);
    private Duration commandTimeout = Duration.ofSeconds(5);

    RedisSinkBuilder() {}

    /** {@code redis://host:port[/db]}. */
    public RedisSinkBuilder<T> setRedisUri(String redisUri) {
        this.redisUri = redisUri;
        return this;
    }

    public RedisSinkBuilder<T> setWriteMapper(RedisWriteMapper<T> mapper) {
        this.mapper = mapper;
        return this;
    }

    /** Pending writes after which the writer waits (back-pressure). */
    public RedisSinkBuilder<T> setMaxInFlight(int maxInFlight) {
        this.maxInFlight = maxInFlight;
        return this;
    }

    public RedisSinkBuilder<T> setMaxRetries(int maxRetries) {
        this.maxRetries = maxRetries;
        return this;
    }

    public RedisSinkBuilder<T> setBackoff(Duration initial, Duration max) {
        this.initialBackoff = initial;
        this.maxBackoff = max;
        return this;
    }

    public RedisSinkBuilder<T> setCommandTimeout(Duration commandTimeout) {
        this.commandTimeout = commandTimeout;
        return this;
    }

    public RedisSink<T> build() {
        Objects.requireNonNull(redisUri, "redisUri");
        Objects.requireNonNull(mapper, "mapper");
        if (maxInFlight < 1 || maxRetries < 0) {
            throw new IllegalArgumentException("maxInFlight must be >= 1 and maxRetries >= 0");
        }
        return new RedisSink<>(redisUri, mapper, maxInFlight, maxRetries, initialBackoff, maxBackoff, commandTimeout);
    }
}
