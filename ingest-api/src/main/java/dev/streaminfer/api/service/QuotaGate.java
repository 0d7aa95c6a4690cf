package dev.streaminfer.api.service;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streaminfer.api.ApiError;
import dev.streaminfer.functions.model.ErrorCode;
import dev.streaminfer.functions.serde.Json;
import java.time.Instant;
import java.util.Optional;

/**
 * The fast 429: reads the job's usage mirror and refuses a request when the daily budget is
 * already spent, before anything is written to Kafka. The job stays the authority: a missing,
 * stale (reset time passed) or unreadable mirror lets the request through.
 */
public final class QuotaGate {

    private QuotaGate() {}

    /**
     * @param usageJson the mirror ({@code {"remaining_today", "resets_at", ...}}), if any
     * @return a 429 with {@code Retry-After} (seconds until the reset) if the budget is spent
     */
    public static Optional<ApiError> check(Optional<String> usageJson, long nowMillis) {
        if (usageJson.isEmpty()) {
            return Optional.empty();
        }
        JsonNode usage;
        try {
            usage = Json.mapper().readTree(usageJson.get());
        } catch (Exception e) {
            return Optional.empty();
        }
        if (usage == null || !usage.isObject()) {
            return Optional.empty();
        }
        JsonNode remaining = usage.get("remaining_today");
        if (remaining == null || !remaining.isNumber() || remaining.asLong() > 0) {
            return Optional.empty();
        }
        long resetsAt = epochMillis(usage.get("resets_at"));
        if (resetsAt <= nowMillis) {
            return Optional.empty(); // a new day began; the mirror is stale
        }
        long retryAfterSeconds = Math.max(1, (resetsAt - nowMillis + 999) / 1000);
        return Optional.of(new ApiError(429, ErrorCode.QUOTA_EXCEEDED.code(),
                "the daily token budget is spent; it resets at " + Instant.ofEpochMilli(resetsAt),
                retryAfterSeconds));
    }

    /** ISO-8601 instant or epoch milliseconds; 0 if neither. */
    static long epochMillis(JsonNode node) {
        if (node == null || node.isNull()) {
            return 0;
        }
        if (node.isIntegralNumber()) {
            return node.asLong();
        }
        if (node.isTextual()) {
            try {
                return Instant.parse(node.textValue()).toEpochMilli();
            } catch (RuntimeException e) {
                return 0;
            }
        }
        return 0;
    }
}
