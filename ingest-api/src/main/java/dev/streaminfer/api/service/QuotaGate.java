package dev.streaminfer.api.service;

import dev.streaminfer.api.ApiError;
import dev.streaminfer.contract.model.ErrorCode;
import dev.streaminfer.contract.quota.UsageDocument;
import java.time.Instant;
import java.util.Optional;

/**
 * The fast 429: reads the job's usage document and refuses a request when the daily budget is
 * already spent, before anything is written to Kafka. The job stays the authority: a missing,
 * stale (reset time passed) or unreadable document lets the request through.
 */
public final class QuotaGate {

    private QuotaGate() {}

    /** @return a 429 with {@code Retry-After} (seconds until the reset) if the budget is spent */
    public static Optional<ApiError> check(Optional<UsageDocument> usage, long nowMillis) {
        if (usage.isEmpty()) {
            return Optional.empty();
        }
        Long remaining = usage.get().remainingToday();
        long resetsAt = usage.get().resetsAt();
        if (remaining == null || remaining > 0 || resetsAt <= nowMillis) {
            return Optional.empty(); // no limit, budget left, or a new day began (stale document)
        }
        long retryAfterSeconds = Math.max(1, (resetsAt - nowMillis + 999) / 1000);
        return Optional.of(new ApiError(429, ErrorCode.QUOTA_EXCEEDED.code(),
                "the daily token budget is spent; it resets at " + Instant.ofEpochMilli(resetsAt),
                retryAfterSeconds));
    }
}
