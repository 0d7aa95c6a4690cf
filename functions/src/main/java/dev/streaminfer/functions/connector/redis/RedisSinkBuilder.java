package dev.streaminfer.functions.connector.redis;

import java.time.Duration;

/**
 * Builds a {@link RedisSink}; only the URI and the mapper are required, every other setting has
 * the default of {@link RedisSinkOptions#DEFAULTS}.
 */
public final class RedisSinkBuilder<T> {

    private String redisUri;
    private RedisWriteMapper<T> mapper;
    private int maxInFlight = RedisSinkOptions.DEFAULTS.maxInFlight();
    private int maxRetries = RedisSinkOptions.DEFAULTS.maxRetries();
    private Duration initialBackoff = RedisSinkOptions.DEFAULTS.initialBackoff();
    private Duration maxBackoff = RedisSinkOptions.DEFAULTS.maxBackoff();
    private Duration commandTimeout = RedisSinkOptions.DEFAULTS.commandTimeout();

    RedisSinkBuilder() {}

    /** {@code redis://[password@]host:port[/db]}. */
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

    /** @throws IllegalArgumentException for a missing URI or mapper, a malformed URI or an invalid option */
    public RedisSink<T> build() {
        if (redisUri == null || mapper == null) {
            throw new IllegalArgumentException("a Redis sink needs a URI (setRedisUri) and a mapper (setWriteMapper)");
        }
        io.lettuce.core.RedisURI.create(redisUri); // fail at job build time on a malformed URI
        return new RedisSink<>(redisUri, mapper,
                new RedisSinkOptions(maxInFlight, maxRetries, initialBackoff, maxBackoff, commandTimeout));
    }
}
