package dev.streaminfer.api.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class QuotaGateTest {

    private static final long NOW = Instant.parse("2026-11-22T23:59:58.500Z").toEpochMilli();

    private static Optional<dev.streaminfer.api.ApiError> check(String json) {
        return QuotaGate.check(Optional.ofNullable(json), NOW);
    }

    @Test
    void spent_budget_is_429_with_retry_after_rounded_up() {
        var error = check("{\"remaining_today\":0,\"resets_at\":\"2026-11-23T00:00:00Z\"}").orElseThrow();
        assertThat(error.status()).isEqualTo(429);
        assertThat(error.code()).isEqualTo("quota_exceeded");
        assertThat(error.retryAfterSeconds()).isEqualTo(2);
        long epoch = Instant.parse("2026-11-23T00:00:00Z").toEpochMilli();
        assertThat(check("{\"remaining_today\":-5,\"resets_at\":" + epoch + "}")).isPresent();
    }

    @Test
    void anything_else_lets_the_job_decide() {
        assertThat(check(null)).isEmpty();
        assertThat(check("not json")).isEmpty();
        assertThat(check("[]")).isEmpty();
        assertThat(check("{\"remaining_today\":1,\"resets_at\":\"2026-11-23T00:00:00Z\"}")).isEmpty();
        assertThat(check("{\"remaining_today\":null,\"resets_at\":\"2026-11-23T00:00:00Z\"}")).isEmpty();
        assertThat(check("{\"remaining_today\":0,\"resets_at\":\"2026-11-22T00:00:00Z\"}")).as("stale").isEmpty();
        assertThat(check("{\"remaining_today\":0,\"resets_at\":\"soon\"}")).isEmpty();
        assertThat(check("{\"remaining_today\":0}")).isEmpty();
    }
}
