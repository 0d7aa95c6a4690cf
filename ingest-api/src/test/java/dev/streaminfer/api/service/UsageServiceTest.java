package dev.streaminfer.api.service;

import static dev.streaminfer.api.service.ServiceFixtures.ADMIN;
import static dev.streaminfer.api.service.ServiceFixtures.ALICE;
import static dev.streaminfer.api.service.ServiceFixtures.BOB;
import static dev.streaminfer.api.service.ServiceFixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.streaminfer.api.request.QuotaBodyParser;
import dev.streaminfer.contract.quota.UsageDocument;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class UsageServiceTest {

    private static final long MIDNIGHT = Instant.parse("2026-11-23T00:00:00Z").toEpochMilli();

    private final ServiceFixtures f = new ServiceFixtures();
    private final UsageService usage = f.usage();

    @Test
    void aProUserWithNoTrafficYetGetsThePlansLimitsNotUnlimited() {
        // BOB's key is on "pro"; the job has written no usage document for him yet.
        UsageDocument doc = usage.usage(BOB);

        assertThat(doc).isEqualTo(new UsageDocument("bob", "pro", 100_000L, 5_000_000L, 0, 5_000_000L, MIDNIGHT));
    }

    @Test
    void anOverrideSetByAnAdminShowsBeforeAnyTraffic() {
        f.quotas().update(ADMIN, "alice", QuotaBodyParser.parse("{\"tokens_per_day\":1000}".getBytes(StandardCharsets.UTF_8)));

        UsageDocument doc = usage.usage(ALICE);

        assertThat(doc.tokensPerMinute()).isEqualTo(10_000L);
        assertThat(doc.tokensPerDay()).isEqualTo(1_000L);
        assertThat(doc.remainingToday()).isEqualTo(1_000L);
    }

    @Test
    void theJobsDocumentWinsWhileItsDayLasts() {
        UsageDocument fromJob = new UsageDocument("alice", "free", 10_000L, 200_000L, 1_200, 198_800L, MIDNIGHT);
        f.store.putUsage("alice", fromJob.encode());

        assertThat(usage.usage(ALICE)).isEqualTo(fromJob);
    }

    @Test
    void yesterdaysDocumentFromTheJobReadsAsNothingUsedToday() {
        long lastMidnight = T0.toEpochMilli() - 10 * 3_600_000L;
        f.store.putUsage("alice", new UsageDocument("alice", "free", 10_000L, 200_000L, 150_000, 50_000L,
                lastMidnight).encode());

        assertThat(usage.usage(ALICE)).isEqualTo(
                new UsageDocument("alice", "free", 10_000L, 200_000L, 0, 200_000L, MIDNIGHT));
    }

    @Test
    void anUnlimitedUserHasNullLimits() {
        UsageDocument doc = usage.usage(ADMIN);

        assertThat(doc.tokensPerDay()).isNull();
        assertThat(doc.remainingToday()).isNull();
    }
}
