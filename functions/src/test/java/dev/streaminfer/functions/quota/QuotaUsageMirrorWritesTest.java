package dev.streaminfer.functions.quota;

import static dev.streaminfer.functions.quota.QuotaTestData.MIDNIGHT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.streaminfer.functions.sink.redis.RedisWrite;
import org.junit.jupiter.api.Test;

class QuotaUsageMirrorWritesTest {

    @Test
    void snapshotBecomesOneAbsoluteSetOfTheUsageKey() {
        UsageSnapshot usage = new UsageSnapshot("alice", "free", 10_000L, 200_000L, 1_200, 198_800L, MIDNIGHT);

        assertThat(new UsageMirrorWrites().toWrites(usage)).containsExactly(new RedisWrite("inference:usage:alice",
                "{\"user_id\":\"alice\",\"plan\":\"free\",\"tokens_per_minute\":10000,\"tokens_per_day\":200000,"
                        + "\"used_today\":1200,\"remaining_today\":198800,\"resets_at\":\"2026-11-23T00:00:00Z\"}",
                0));
    }

    @Test
    void unlimitedLimitsAreNull() {
        UsageSnapshot usage = new UsageSnapshot("bob", "unlimited", null, null, 7, null, MIDNIGHT);

        assertThat(UsageMirrorWrites.toJson(usage)).isEqualTo(
                "{\"user_id\":\"bob\",\"plan\":\"unlimited\",\"tokens_per_minute\":null,\"tokens_per_day\":null,"
                        + "\"used_today\":7,\"remaining_today\":null,\"resets_at\":\"2026-11-23T00:00:00Z\"}");
    }

    @Test
    void unknownResetTimeIsNullAndTtlIsPassedOn() {
        UsageSnapshot usage = new UsageSnapshot("carol", "pro", 100_000L, 5_000_000L, 0, 5_000_000L, 0);

        RedisWrite write = new UsageMirrorWrites(3_600).toWrites(usage).get(0);

        assertThat(write.value()).endsWith("\"resets_at\":null}");
        assertThat(write.ttlSeconds()).isEqualTo(3_600);
    }
}
