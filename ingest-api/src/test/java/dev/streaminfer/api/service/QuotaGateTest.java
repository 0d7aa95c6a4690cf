package dev.streaminfer.api.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streaminfer.api.ApiError;
import dev.streaminfer.contract.quota.UsageDocument;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class QuotaGateTest {

    private static final long NOW = Instant.parse("2026-11-22T23:59:58.500Z").toEpochMilli();
    private static final long MIDNIGHT = Instant.parse("2026-11-23T00:00:00Z").toEpochMilli();
    private static final long DAY = 86_400_000L;

    /** A user with a 1,000-token day and a 100-token minute who has {@code remaining} left. */
    private static Optional<UsageDocument> mirror(Long remaining, long resetsAt) {
        return Optional.of(new UsageDocument("alice", "free", 100L, 1_000L,
                remaining == null ? 0 : 1_000 - remaining, remaining, resetsAt));
    }

    private static Optional<ApiError> check(long tokens, Long remaining, long resetsAt) {
        return QuotaGate.check(mirror(remaining, resetsAt), tokens, NOW);
    }

    @Test
    void a_request_larger_than_what_is_left_today_is_429_until_the_reset() {
        // The case: ~16-token requests against what the mirror says is left.
        ApiError error = check(16, 8L, MIDNIGHT).orElseThrow();
        assertThat(error.status()).isEqualTo(429);
        assertThat(error.code()).isEqualTo("quota_exceeded");
        assertThat(error.retryAfterSeconds()).as("rounded up").isEqualTo(2);
        assertThat(error.message()).contains("16 tokens").contains("8 of 1000");

        assertThat(check(16, 0L, MIDNIGHT)).isPresent();
        assertThat(check(16, 16L, MIDNIGHT)).as("exactly what is left fits").isEmpty();
        assertThat(check(16, 900L, MIDNIGHT)).isEmpty();
    }

    @Test
    void a_request_larger_than_the_minute_capacity_can_never_fit_and_has_no_retry_after() {
        ApiError error = check(101, 1_000L, MIDNIGHT).orElseThrow();
        assertThat(error.status()).isEqualTo(429);
        assertThat(error.code()).isEqualTo("quota_exceeded");
        assertThat(error.retryAfterSeconds()).as("like the job's retry_after_ms 0").isZero();
        assertThat(error.message()).contains("at most 100 tokens per minute").contains("never");
        assertThat(check(100, 1_000L, MIDNIGHT)).as("the capacity itself fits a full bucket").isEmpty();
    }

    @Test
    void a_request_larger_than_the_daily_limit_can_never_fit_even_on_a_stale_document() {
        Optional<UsageDocument> bigMinute = Optional.of(new UsageDocument("alice", "free", 5_000L, 1_000L, 0,
                1_000L, MIDNIGHT - DAY));
        ApiError error = QuotaGate.check(bigMinute, 1_001, NOW).orElseThrow();
        assertThat(error.retryAfterSeconds()).isZero();
        assertThat(error.message()).contains("per day");
    }

    @Test
    void anything_else_lets_the_job_decide() {
        assertThat(QuotaGate.check(Optional.empty(), 16, NOW)).isEmpty();
        assertThat(QuotaGate.check(Optional.of(new UsageDocument("alice", "unlimited", null, null, 5_000, null,
                MIDNIGHT)), 1_000_000, NOW)).as("no limit").isEmpty();
        assertThat(check(16, 0L, MIDNIGHT - DAY)).as("stale: a new day began").isEmpty();
        assertThat(check(16, 0L, 0)).as("no time yet").isEmpty();
        assertThat(check(16, 0L, MIDNIGHT + DAY)).as("a day that is not today").isEmpty();
        assertThat(check(0, 0L, MIDNIGHT)).as("costs nothing").isEmpty();
    }

    @Test
    void another_users_or_a_malformed_document_is_ignored() {
        assertThat(UsageService.mirrorOf(Optional.of(
                new UsageDocument("bob", "free", 1L, 1L, 1, 0L, MIDNIGHT).encode()), "alice")).isEmpty();
        assertThat(UsageService.mirrorOf(Optional.of("not json"), "alice")).isEmpty();
        assertThat(UsageService.mirrorOf(Optional.empty(), "alice")).isEmpty();
    }
}
