package dev.streaminfer.contract.quota;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UsageDocumentTest {

    private static final long MIDNIGHT = Instant.parse("2026-11-23T00:00:00Z").toEpochMilli();
    private static final long EVENING = Instant.parse("2026-11-22T21:30:00Z").toEpochMilli();

    @Test
    void encodesTheDocumentTheApiServes() {
        UsageDocument usage = new UsageDocument("alice", "free", 10_000L, 200_000L, 1_200, 198_800L, MIDNIGHT);

        assertThat(usage.encode()).isEqualTo(
                "{\"user_id\":\"alice\",\"plan\":\"free\",\"tokens_per_minute\":10000,\"tokens_per_day\":200000,"
                        + "\"used_today\":1200,\"remaining_today\":198800,\"resets_at\":\"2026-11-23T00:00:00Z\"}");
    }

    @Test
    void noLimitIsNull() {
        UsageDocument usage = UsageDocument.of("bob", QuotaPlan.UNLIMITED, 7, MIDNIGHT);

        assertThat(usage.encode()).isEqualTo(
                "{\"user_id\":\"bob\",\"plan\":\"unlimited\",\"tokens_per_minute\":null,\"tokens_per_day\":null,"
                        + "\"used_today\":7,\"remaining_today\":null,\"resets_at\":\"2026-11-23T00:00:00Z\"}");
    }

    @Test
    void roundTripsEveryShape() {
        for (UsageDocument usage : new UsageDocument[] {
                new UsageDocument("alice", "free", 10_000L, 200_000L, 1_200, 198_800L, MIDNIGHT),
                new UsageDocument("bob", "unlimited", null, null, 7, null, MIDNIGHT),
                new UsageDocument("carol", "pro", 100_000L, 5_000_000L, 0, 5_000_000L, 0),
                new UsageDocument("dave:x@y", "free", 0L, 0L, 0, 0L, MIDNIGHT)}) {
            assertThat(UsageDocument.decode(usage.encode())).contains(usage);
        }
    }

    @Test
    void aPlansDefaultsAreResolvedNeverLeftNull() {
        UsageDocument pro = UsageDocument.unused("erin", QuotaPlan.PRO, EVENING);

        assertThat(pro.tokensPerMinute()).isEqualTo(100_000L);
        assertThat(pro.tokensPerDay()).isEqualTo(5_000_000L);
        assertThat(pro.remainingToday()).isEqualTo(5_000_000L);
        assertThat(pro.resetsAt()).isEqualTo(MIDNIGHT);
    }

    @Test
    void overridesReplaceOnlyTheLimitsTheySet() {
        UsageDocument usage = UsageDocument.of("erin", QuotaPlan.PRO.withOverrides(null, 1_000L), 400, MIDNIGHT);

        assertThat(usage.tokensPerMinute()).isEqualTo(100_000L);
        assertThat(usage.tokensPerDay()).isEqualTo(1_000L);
        assertThat(usage.remainingToday()).isEqualTo(600L);
    }

    @Test
    void aDocumentPastItsResetReadsAsANewDay() {
        UsageDocument yesterday = new UsageDocument("alice", "free", 10_000L, 200_000L, 150_000, 50_000L, MIDNIGHT);
        long nextMorning = MIDNIGHT + 9 * 3_600_000L;

        UsageDocument today = yesterday.asOf(nextMorning);

        assertThat(today.usedToday()).isZero();
        assertThat(today.remainingToday()).isEqualTo(200_000L);
        assertThat(today.resetsAt()).isEqualTo(MIDNIGHT + 86_400_000L);
        assertThat(yesterday.asOf(EVENING)).isSameAs(yesterday);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "null", "[]", "{}", "{\"user_id\":\"a\"}", "not json",
            "{\"user_id\":\"a\",\"plan\":\"free\",\"used_today\":\"many\"}",
            "{\"user_id\":\"a\",\"plan\":\"free\",\"used_today\":1,\"tokens_per_day\":1.5}",
            "{\"user_id\":\"a\",\"plan\":\"free\",\"used_today\":1,\"resets_at\":\"yesterday\"}"})
    void whatIsNotADocumentDecodesToNothing(String json) {
        assertThat(UsageDocument.decode(json)).isEmpty();
    }
}
