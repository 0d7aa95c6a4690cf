package dev.streaminfer.api.service;

import dev.streaminfer.api.ApiError;
import dev.streaminfer.contract.model.ErrorCode;
import dev.streaminfer.contract.quota.UsageDocument;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The fast 429: refuses, before anything is written to Kafka, a request that the job's usage
 * document says cannot fit. The rules, in the job's own order ({@code QuotaAccount.admit}):
 *
 * <ol>
 *   <li>its tokens exceed {@code tokens_per_minute}: it can never fit a minute (the bucket holds
 *       at most that much); 429 without {@code Retry-After}, as the job answers
 *       {@code retry_after_ms} 0;
 *   <li>its tokens exceed {@code tokens_per_day}: it can never fit a day; the same;
 *   <li>its tokens exceed {@code remaining_today}: 429 with {@code Retry-After} = seconds until
 *       {@code resets_at}.
 * </ol>
 *
 * <p>The job stays the authority: a missing or unreadable document, a null limit (no limit), or
 * a document whose day is not today's (its {@code resets_at} passed, or lies more than a day ahead)
 * lets the request through for the day rule; the job decides. The minute bucket's current level
 * is not in the document, so a request that fits the capacity is never refused here for the rate.
 */
public final class QuotaGate {

    private static final long DAY_MS = Duration.ofDays(1).toMillis();

    private QuotaGate() {}

    /** @return a 429 if the request's own {@code tokens} cannot fit what the mirror says is left */
    public static Optional<ApiError> check(Optional<UsageDocument> usage, long tokens, long nowMillis) {
        if (usage.isEmpty() || tokens <= 0) {
            return Optional.empty(); // the job admits a request that costs nothing
        }
        UsageDocument doc = usage.get();
        if (doc.tokensPerMinute() != null && tokens > doc.tokensPerMinute()) {
            return Optional.of(neverFits(tokens, doc.plan(), doc.tokensPerMinute(), "minute"));
        }
        if (doc.tokensPerDay() != null && tokens > doc.tokensPerDay()) {
            return Optional.of(neverFits(tokens, doc.plan(), doc.tokensPerDay(), "day"));
        }
        Long remaining = doc.remainingToday();
        long resetsAt = doc.resetsAt();
        if (remaining == null || tokens <= remaining || resetsAt <= nowMillis || resetsAt - nowMillis > DAY_MS) {
            return Optional.empty(); // no limit, it fits, or the document is not about today
        }
        long retryAfterSeconds = Math.max(1, (resetsAt - nowMillis + 999) / 1000);
        return Optional.of(new ApiError(429, ErrorCode.QUOTA_EXCEEDED.code(),
                "daily quota exceeded: this request needs " + tokens + " tokens and " + remaining
                        + (doc.tokensPerDay() != null ? " of " + doc.tokensPerDay() : "")
                        + " are left today (UTC); the budget resets at " + Instant.ofEpochMilli(resetsAt),
                retryAfterSeconds));
    }

    private static ApiError neverFits(long tokens, String plan, long limit, String per) {
        return new ApiError(429, ErrorCode.QUOTA_EXCEEDED.code(),
                "this request needs " + tokens + " tokens but plan '" + plan + "' allows at most " + limit
                        + " tokens per " + per + "; it can never be admitted under this plan (send fewer or"
                        + " shorter inputs per request)");
    }
}
