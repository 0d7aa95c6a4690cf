package dev.streaminfer.functions.quota;

import dev.streaminfer.contract.quota.UsageDocument;

import static dev.streaminfer.functions.quota.QuotaTestData.MIDNIGHT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.streaminfer.functions.connector.redis.RedisWrite;
import org.junit.jupiter.api.Test;

class QuotaUsageMirrorWritesTest {

    @Test
    void snapshotBecomesOneAbsoluteSetOfTheUsageKey() {
        UsageDocument usage = new UsageDocument("alice", "free", 10_000L, 200_000L, 1_200, 198_800L, MIDNIGHT);

        assertThat(new UsageMirrorWrites().toWrites(usage)).containsExactly(new RedisWrite("inference:usage:alice",
                "{\"user_id\":\"alice\",\"plan\":\"free\",\"tokens_per_minute\":10000,\"tokens_per_day\":200000,"
                        + "\"used_today\":1200,\"remaining_today\":198800,\"resets_at\":\"2026-11-23T00:00:00Z\"}",
                0));
    }

    @Test
    void unknownResetTimeIsNullAndTtlIsPassedOn() {
        UsageDocument usage = new UsageDocument("carol", "pro", 100_000L, 5_000_000L, 0, 5_000_000L, 0);

        RedisWrite write = new UsageMirrorWrites(3_600).toWrites(usage).get(0);

        assertThat(UsageDocument.decode(write.value())).contains(usage);
        assertThat(write.ttlSeconds()).isEqualTo(3_600);
    }
}
