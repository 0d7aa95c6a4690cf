package dev.streaminfer.functions.quota;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streaminfer.functions.serde.Json;
import dev.streaminfer.functions.sink.redis.RedisKeys;
import dev.streaminfer.functions.sink.redis.RedisWrite;
import dev.streaminfer.functions.sink.redis.RedisWriteMapper;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;

/**
 * Each {@link UsageSnapshot} becomes one absolute {@code SET} of {@link RedisKeys#usage}: a JSON
 * string with the same fields as {@code GET /v1/usage}:
 *
 * <pre>
 * {"user_id": "alice", "plan": "free", "tokens_per_minute": 10000, "tokens_per_day": 200000,
 *  "used_today": 1200, "remaining_today": 198800, "resets_at": "2026-11-23T00:00:00Z"}
 * </pre>
 *
 * <p>A limit the plan does not have ({@code unlimited}) is JSON {@code null}, and so is
 * {@code remaining_today} then; {@code resets_at} is null while the job has no time for the user.
 * Absolute values, never increments: a replay writes the same document again. A reader past
 * {@code resets_at} must treat {@code used_today} as 0 (the next event rewrites the key).
 */
public final class UsageMirrorWrites implements RedisWriteMapper<UsageSnapshot> {

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
    public List<RedisWrite> toWrites(UsageSnapshot usage) {
        return List.of(new RedisWrite(RedisKeys.usage(usage.userId()), toJson(usage), ttlSeconds));
    }

    public static String toJson(UsageSnapshot usage) {
        ObjectNode node = Json.mapper().createObjectNode();
        node.put("user_id", usage.userId());
        node.put("plan", usage.plan());
        node.put("tokens_per_minute", usage.tokensPerMinute());
        node.put("tokens_per_day", usage.tokensPerDay());
        node.put("used_today", usage.usedToday());
        node.put("remaining_today", usage.remainingToday());
        if (usage.resetsAt() > 0) {
            node.put("resets_at", Instant.ofEpochMilli(usage.resetsAt()).toString());
        } else {
            node.putNull("resets_at");
        }
        try {
            return Json.mapper().writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
