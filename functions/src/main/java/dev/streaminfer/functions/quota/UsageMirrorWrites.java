package dev.streaminfer.functions.quota;

import dev.streaminfer.contract.quota.UsageDocument;

import dev.streaminfer.contract.redis.RedisKeys;
import dev.streaminfer.functions.connector.redis.RedisWrite;
import dev.streaminfer.functions.connector.redis.RedisWriteMapper;
import java.util.List;

/**
 * Each {@link UsageDocument} becomes one absolute {@code SET} of {@link RedisKeys#usage}, encoded
 * by {@link UsageDocument#encode}. Absolute values, never increments: a replay writes the same
 * document again.
 */
public final class UsageMirrorWrites implements RedisWriteMapper<UsageDocument> {

    private final long ttlSeconds;

    /** Keys that never expire: the mirror outlives the job's idle-state expiry. */
    public UsageMirrorWrites() {
        this(0);
    }

    /** Keys that expire {@code ttlSeconds} after each write (0 = never). */
    public UsageMirrorWrites(long ttlSeconds) {
        if (ttlSeconds < 0) {
            throw new IllegalArgumentException("ttlSeconds must be >= 0");
        }
        this.ttlSeconds = ttlSeconds;
    }

    @Override
    public List<RedisWrite> toWrites(UsageDocument usage) {
        return List.of(new RedisWrite(RedisKeys.usage(usage.userId()), usage.encode(), ttlSeconds));
    }
}
