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

    private static Optional<ApiError> check(Long remaining, long resetsAt) {
        return QuotaGate.check(Optional.of(new UsageDocument("alice", "free", 10_000L, 200_000L, 200_000,
                remaining, resetsAt)), NOW);
    }

    @Test
    void spent_budget_is_429_with_retry_after_rounded_up() {
        ApiError error = check(0L, MIDNIGHT).orElseThrow();
        assertThat(error.status()).isEqualTo(429);
        assertThat(error.code()).isEqualTo("quota_exceeded");
        assertThat(error.retryAfterSeconds()).isEqualTo(2);
    }

    @Test
    void anything_else_lets_the_job_decide() {
        assertThat(QuotaGate.check(Optional.empty(), NOW)).isEmpty();
        assertThat(check(1L, MIDNIGHT)).isEmpty();
        assertThat(check(null, MIDNIGHT)).as("no limit").isEmpty();
        assertThat(check(0L, MIDNIGHT - 86_400_000L)).as("stale").isEmpty();
        assertThat(check(0L, 0)).as("no time yet").isEmpty();
    }

    @Test
    void another_users_or_a_malformed_document_is_ignored() {
        assertThat(UsageService.mirrorOf(Optional.of(
                new UsageDocument("bob", "free", 1L, 1L, 1, 0L, MIDNIGHT).encode()), "alice")).isEmpty();
        assertThat(UsageService.mirrorOf(Optional.of("not json"), "alice")).isEmpty();
        assertThat(UsageService.mirrorOf(Optional.empty(), "alice")).isEmpty();
    }
}
