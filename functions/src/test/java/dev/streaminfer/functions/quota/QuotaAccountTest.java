package dev.streaminfer.functions.quota;

import dev.streaminfer.contract.quota.QuotaPlan;
import dev.streaminfer.contract.quota.QuotaUpdate;
import dev.streaminfer.contract.quota.UsageDocument;

import static dev.streaminfer.functions.quota.QuotaTestData.DAY;
import static dev.streaminfer.functions.quota.QuotaTestData.MIDNIGHT;
import static dev.streaminfer.functions.quota.QuotaTestData.SECOND;
import static dev.streaminfer.functions.quota.QuotaTestData.T0;
import static dev.streaminfer.functions.quota.QuotaTestData.aliceOn;
import static dev.streaminfer.functions.quota.QuotaTestData.aliceRequest;
import static dev.streaminfer.functions.quota.QuotaTestData.dailyLimit;
import static dev.streaminfer.functions.quota.QuotaTestData.refundOf;
import static dev.streaminfer.functions.quota.QuotaTestData.switchPlan;
import static dev.streaminfer.functions.quota.QuotaTestData.tokens;
import static org.assertj.core.api.Assertions.assertThat;

import dev.streaminfer.contract.model.InferenceRequest;
import dev.streaminfer.contract.model.InferenceResult;
import dev.streaminfer.contract.model.RequestStatus;
import dev.streaminfer.functions.quota.QuotaDecision.Outcome;
import dev.streaminfer.functions.quota.QuotaDecision.Reason;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class QuotaAccountTest {

    /** free, but 1,000 tokens a day: small numbers for the day-budget cases. */
    private static QuotaAccount aliceWithDailyLimit(long tokensPerDay) {
        QuotaAccount alice = aliceOn(QuotaPlan.FREE);
        alice.applyPlanUpdate(dailyLimit("alice", tokensPerDay));
        return alice;
    }

    @Nested
    class MinuteBucket {

        @Test
        void newUserStartsWithAFullBucket() {
            QuotaAccount alice = aliceOn(QuotaPlan.FREE);

            QuotaDecision decision = alice.admit(aliceRequest(tokens(10_000)).at(T0));

            assertThat(decision.isAdmitted()).isTrue();
            assertThat(decision.tokens()).isEqualTo(10_000);
            assertThat(alice.ledger().bucketTokens()).isZero();
            assertThat(alice.ledger().getUsedToday()).isEqualTo(10_000);
        }

        @Test
        void emptyBucketRejectsWithTheExactWaitForTheMissingTokens() {
            QuotaAccount alice = aliceOn(QuotaPlan.FREE);
            alice.admit(aliceRequest(tokens(10_000)).at(T0));

            QuotaDecision decision = alice.admit(aliceRequest(tokens(1)).at(T0));

            // 10,000 tokens per minute = one token every 6 ms.
            assertThat(decision.outcome()).isEqualTo(Outcome.REJECTED);
            assertThat(decision.reason()).isEqualTo(Reason.MINUTE_RATE);
            assertThat(decision.retryAfterMs()).isEqualTo(6);
            assertThat(decision.message()).contains("per-minute quota exceeded", "needs 1 tokens", "0 available");
        }

        @Test
        void bucketRefillsContinuously() {
            QuotaAccount alice = aliceOn(QuotaPlan.FREE);
            alice.admit(aliceRequest(tokens(10_000)).at(T0));

            assertThat(alice.admit(aliceRequest(tokens(5_001)).at(T0 + 30 * SECOND)).isAdmitted()).isFalse();
            assertThat(alice.admit(aliceRequest(tokens(5_000)).at(T0 + 30 * SECOND)).isAdmitted()).isTrue();
            assertThat(alice.admit(aliceRequest(tokens(10_000)).at(T0 + 90 * SECOND)).isAdmitted()).isTrue();
        }

        @Test
        void bucketNeverHoldsMoreThanItsCapacity() {
            QuotaAccount alice = aliceOn(QuotaPlan.FREE);
            alice.admit(aliceRequest(tokens(1)).at(T0));

            alice.admit(aliceRequest(tokens(0)).at(T0 + 3_600 * SECOND));

            assertThat(alice.ledger().bucketTokens()).isEqualTo(10_000);
            assertThat(alice.admit(aliceRequest(tokens(10_000)).at(T0 + 3_600 * SECOND)).isAdmitted()).isTrue();
        }

        @Test
        void requestLargerThanTheBucketIsRejectedWithoutRetry() {
            QuotaAccount alice = aliceOn(QuotaPlan.FREE);

            QuotaDecision decision = alice.admit(aliceRequest(tokens(10_001)).at(T0));

            assertThat(decision.reason()).isEqualTo(Reason.EXCEEDS_MINUTE_CAPACITY);
            assertThat(decision.retryAfterMs()).isZero();
            assertThat(decision.message()).contains("at most 10000 tokens per minute", "cannot be admitted");
            assertThat(alice.ledger().bucketTokens()).isEqualTo(10_000);
        }

        @Test
        void rejectionChargesNothing() {
            QuotaAccount alice = aliceOn(QuotaPlan.FREE);
            alice.admit(aliceRequest(tokens(9_000)).at(T0));

            alice.admit(aliceRequest(tokens(2_000)).at(T0));

            assertThat(alice.ledger().bucketTokens()).isEqualTo(1_000);
            assertThat(alice.ledger().getUsedToday()).isEqualTo(9_000);
            assertThat(alice.admit(aliceRequest(tokens(1_000)).at(T0)).isAdmitted()).isTrue();
        }

        @Test
        void zeroCostRequestIsAlwaysAdmitted() {
            QuotaAccount alice = aliceOn(QuotaPlan.FREE.withOverrides(0L, 0L));

            assertThat(alice.admit(aliceRequest(tokens(0)).at(T0)).isAdmitted()).isTrue();
            assertThat(alice.admit(aliceRequest(tokens(1)).at(T0)).reason()).isEqualTo(Reason.EXCEEDS_MINUTE_CAPACITY);
        }
    }

    @Nested
    class DayBudget {

        @Test
        void budgetIsSpentThenRejectedUntilUtcMidnight() {
            QuotaAccount alice = aliceWithDailyLimit(1_000);
            assertThat(alice.admit(aliceRequest(tokens(600)).at(T0)).isAdmitted()).isTrue();
            assertThat(alice.admit(aliceRequest(tokens(400)).at(T0 + SECOND)).isAdmitted()).isTrue();

            QuotaDecision decision = alice.admit(aliceRequest(tokens(1)).at(T0 + 2 * SECOND));

            assertThat(decision.reason()).isEqualTo(Reason.DAY_BUDGET);
            assertThat(decision.retryAfterMs()).isEqualTo(MIDNIGHT - (T0 + 2 * SECOND));
            assertThat(decision.message())
                    .contains("daily quota exceeded", "0 of 1000 left for 2026-11-22", "resets at 2026-11-23T00:00:00Z");
        }

        @Test
        void newUtcDayStartsWithTheWholeBudget() {
            QuotaAccount alice = aliceWithDailyLimit(1_000);
            alice.admit(aliceRequest(tokens(1_000)).at(MIDNIGHT - SECOND));

            QuotaDecision decision = alice.admit(aliceRequest(tokens(1_000)).at(MIDNIGHT));

            assertThat(decision.isAdmitted()).isTrue();
            assertThat(decision.usageChanged()).isTrue();
            assertThat(alice.ledger().getUsedToday()).isEqualTo(1_000);
            assertThat(alice.ledger().getUsedYesterday()).isEqualTo(1_000);
        }

        @Test
        void requestLargerThanTheDayLimitIsRejectedWithoutRetry() {
            QuotaAccount alice = aliceOn(new QuotaPlan("tiny", QuotaPlan.NO_LIMIT, 500));

            QuotaDecision decision = alice.admit(aliceRequest(tokens(501)).at(T0));

            assertThat(decision.reason()).isEqualTo(Reason.EXCEEDS_DAY_LIMIT);
            assertThat(decision.retryAfterMs()).isZero();
            assertThat(decision.message()).contains("at most 500 tokens per day");
        }

        @Test
        void retryWaitsForWhicheverComesLastOfBucketAndMidnight() {
            QuotaAccount alice = aliceWithDailyLimit(10_000);
            alice.admit(aliceRequest(tokens(10_000)).at(MIDNIGHT - 2 * SECOND));

            QuotaDecision decision = alice.admit(aliceRequest(tokens(10_000)).at(MIDNIGHT - SECOND));

            // The day budget frees at midnight (1 s), the bucket only 60 s after the last charge.
            assertThat(decision.reason()).isEqualTo(Reason.DAY_BUDGET);
            assertThat(decision.retryAfterMs()).isEqualTo(59 * SECOND);
        }
    }

    @Nested
    class OutOfOrderRequests {

        @Test
        void lateRequestGetsNoRefillBackwards() {
            QuotaAccount alice = aliceOn(QuotaPlan.FREE);
            alice.admit(aliceRequest(tokens(10_000)).at(T0 + 30 * SECOND));

            QuotaDecision late = alice.admit(aliceRequest(tokens(1)).at(T0 + 10 * SECOND));

            assertThat(late.reason()).isEqualTo(Reason.MINUTE_RATE);
            // Decided at the clock (T0+30 s): one token 6 ms later, counted from its own submitted_at.
            assertThat(late.retryAfterMs()).isEqualTo(20 * SECOND + 6);
            assertThat(alice.ledger().getClock()).isEqualTo(T0 + 30 * SECOND);
        }

        @Test
        void lateRequestFromYesterdayIsChargedToYesterdaysBudget() {
            QuotaAccount alice = aliceWithDailyLimit(1_000);
            alice.admit(aliceRequest(tokens(900)).at(MIDNIGHT - SECOND));
            alice.admit(aliceRequest(tokens(1_000)).at(MIDNIGHT + SECOND));

            QuotaDecision fits = alice.admit(aliceRequest(tokens(100)).at(MIDNIGHT - 500));
            QuotaDecision over = alice.admit(aliceRequest(tokens(1)).at(MIDNIGHT - 400));

            assertThat(fits.isAdmitted()).isTrue();
            assertThat(fits.usageChanged()).as("today's mirror is unchanged").isFalse();
            assertThat(alice.ledger().getUsedYesterday()).isEqualTo(1_000);
            assertThat(alice.ledger().getUsedToday()).isEqualTo(1_000);
            assertThat(over.reason()).isEqualTo(Reason.DAY_BUDGET);
            assertThat(over.retryAfterMs()).as("today is spent too: wait for the next midnight")
                    .isEqualTo(MIDNIGHT + DAY - (MIDNIGHT - 400));
        }

        @Test
        void lateRequestFromYesterdayMayRetryAtOnceWhenTodayHasRoom() {
            QuotaAccount alice = aliceWithDailyLimit(1_000);
            alice.admit(aliceRequest(tokens(1_000)).at(MIDNIGHT - SECOND));
            alice.admit(aliceRequest(tokens(1)).at(MIDNIGHT + SECOND));

            QuotaDecision over = alice.admit(aliceRequest(tokens(10)).at(MIDNIGHT - 500));

            assertThat(over.reason()).isEqualTo(Reason.DAY_BUDGET);
            assertThat(over.retryAfterMs()).isEqualTo(SECOND + 500);
        }

        @Test
        void requestFromBeforeYesterdayIsRejectedAsTooLate() {
            QuotaAccount alice = aliceOn(QuotaPlan.FREE);
            alice.admit(aliceRequest(tokens(1)).at(T0));

            QuotaDecision decision = alice.admit(aliceRequest(tokens(1)).at(T0 - 2 * DAY));

            assertThat(decision.reason()).isEqualTo(Reason.TOO_LATE);
            assertThat(decision.retryAfterMs()).isZero();
            assertThat(decision.message()).contains("more than a UTC day older");
        }
    }

    @Nested
    class Refunds {

        @Test
        void refundGivesTokensBackToTodaysBudgetButNotToTheBucket() {
            QuotaAccount alice = aliceWithDailyLimit(1_000);
            InferenceRequest expired = aliceRequest(tokens(800)).at(T0);
            alice.admit(expired);

            QuotaDecision decision = alice.refund(refundOf(expired));

            assertThat(decision.outcome()).isEqualTo(Outcome.REFUNDED);
            assertThat(decision.tokens()).isEqualTo(800);
            assertThat(decision.usageChanged()).isTrue();
            assertThat(alice.ledger().getUsedToday()).isZero();
            assertThat(alice.ledger().bucketTokens()).isEqualTo(9_200);
        }

        @Test
        void refundIsIdempotentPerRequestId() {
            QuotaAccount alice = aliceWithDailyLimit(1_000);
            InferenceRequest first = aliceRequest(tokens(300)).at(T0);
            alice.admit(first);
            alice.admit(aliceRequest(tokens(300)).at(T0));

            alice.refund(refundOf(first));
            QuotaDecision again = alice.refund(refundOf(first));

            assertThat(again.outcome()).isEqualTo(Outcome.IGNORED);
            assertThat(again.reason()).isEqualTo(Reason.DUPLICATE_REFUND);
            assertThat(alice.ledger().getUsedToday()).isEqualTo(300);
        }

        @Test
        void refundNeverTakesUsageBelowZero() {
            QuotaAccount alice = aliceWithDailyLimit(1_000);
            alice.admit(aliceRequest(tokens(100)).at(T0));

            QuotaDecision decision = alice.refund(QuotaUpdate.refund("alice", "forged", 5_000, T0));

            assertThat(decision.tokens()).isEqualTo(100);
            assertThat(alice.ledger().getUsedToday()).isZero();
        }

        @Test
        void refundForYesterdayGoesToYesterdaysBudget() {
            QuotaAccount alice = aliceWithDailyLimit(1_000);
            InferenceRequest lastNight = aliceRequest(tokens(700)).at(MIDNIGHT - SECOND);
            alice.admit(lastNight);
            alice.admit(aliceRequest(tokens(200)).at(MIDNIGHT + SECOND));

            QuotaDecision decision = alice.refund(refundOf(lastNight));

            assertThat(decision.outcome()).isEqualTo(Outcome.REFUNDED);
            assertThat(decision.usageChanged()).as("today's mirror is unchanged").isFalse();
            assertThat(alice.ledger().getUsedYesterday()).isZero();
            assertThat(alice.ledger().getUsedToday()).isEqualTo(200);
        }

        @Test
        void refundForAnOlderDayChangesNothing() {
            QuotaAccount alice = aliceWithDailyLimit(1_000);
            InferenceRequest old = aliceRequest(tokens(700)).at(T0);
            alice.admit(old);
            alice.admit(aliceRequest(tokens(200)).at(T0 + 2 * DAY));

            QuotaDecision decision = alice.refund(refundOf(old));

            assertThat(decision.reason()).isEqualTo(Reason.REFUND_OUT_OF_RANGE);
            assertThat(alice.ledger().getUsedToday()).isEqualTo(200);
            assertThat(alice.ledger().getUsedYesterday()).isZero();
        }

        @Test
        void refundForAUserWithoutUsageChangesNothing() {
            QuotaAccount alice = aliceOn(QuotaPlan.FREE);

            QuotaDecision decision = alice.refund(QuotaUpdate.refund("alice", "r-1", 10, T0));

            assertThat(decision.reason()).isEqualTo(Reason.NO_USAGE);
            assertThat(alice.ledger().isStarted()).isFalse();
        }

        @Test
        void refundedIdsAreForgottenOnceTheirDayIsNoLongerAccounted() {
            InMemoryRefundedIds ids = new InMemoryRefundedIds();
            QuotaAccount alice = new QuotaAccount("alice", QuotaPlan.FREE, null, null, ids);
            InferenceRequest request = aliceRequest(tokens(10)).at(T0);
            alice.admit(request);
            alice.refund(refundOf(request));
            alice.admit(aliceRequest(tokens(10)).at(T0 + DAY));
            assertThat(ids.size()).as("yesterday's ids are still needed").isEqualTo(1);

            alice.admit(aliceRequest(tokens(10)).at(T0 + 2 * DAY));

            assertThat(ids.size()).isZero();
        }
    }

    @Nested
    class PlanChanges {

        @Test
        void unknownUserGetsTheDefaultPlan() {
            assertThat(QuotaAccount.newUser("zoe", QuotaPlan.PRO).plan()).isEqualTo(QuotaPlan.PRO);
        }

        @Test
        void planNameAloneSwitchesToThatBuiltInPlan() {
            QuotaAccount alice = aliceWithDailyLimit(1_000);

            alice.applyPlanUpdate(switchPlan("alice", "pro"));

            assertThat(alice.plan()).isEqualTo(QuotaPlan.PRO);
        }

        @Test
        void absentFieldsKeepTheirValueAndNullRemovesALimit() {
            QuotaAccount alice = aliceOn(QuotaPlan.FREE);

            alice.applyPlanUpdate(QuotaUpdate.planChange("alice", null, 500L, null, 0));
            assertThat(alice.plan()).isEqualTo(new QuotaPlan("free", 500, 200_000));

            alice.applyPlanUpdate(QuotaUpdate.planChange("alice", null, null, QuotaPlan.NO_LIMIT, 0));
            assertThat(alice.plan()).isEqualTo(new QuotaPlan("free", 500, QuotaPlan.NO_LIMIT));

            alice.applyPlanUpdate(QuotaUpdate.planChange("alice", "pro", null, 42L, 0));
            assertThat(alice.plan()).isEqualTo(new QuotaPlan("pro", 100_000, 42));
        }

        @Test
        void olderUpdateThanTheAppliedOneIsIgnored() {
            QuotaAccount alice = aliceOn(QuotaPlan.FREE);
            alice.applyPlanUpdate(QuotaUpdate.planChange("alice", "pro", null, null, T0));

            QuotaDecision stale = alice.applyPlanUpdate(QuotaUpdate.planChange("alice", "free", null, null, T0 - 1));

            assertThat(stale.reason()).isEqualTo(Reason.STALE_UPDATE);
            assertThat(alice.plan()).isEqualTo(QuotaPlan.PRO);
            assertThat(alice.applyPlanUpdate(QuotaUpdate.planChange("alice", "free", null, null, 0)).outcome())
                    .as("an update without updated_at always applies").isEqualTo(Outcome.PLAN_CHANGED);
        }

        @Test
        void loweringTheDayLimitBelowTodaysUsageRejectsUntilMidnight() {
            QuotaAccount alice = aliceOn(QuotaPlan.FREE);
            alice.admit(aliceRequest(tokens(5_000)).at(T0));

            alice.applyPlanUpdate(dailyLimit("alice", 1_000));

            assertThat(alice.admit(aliceRequest(tokens(1)).at(T0 + SECOND)).reason()).isEqualTo(Reason.DAY_BUDGET);
            assertThat(alice.usage(T0).remainingToday()).isZero();
        }

        @Test
        void bucketKeepsItsLevelCappedAtTheNewCapacity() {
            QuotaAccount alice = aliceOn(QuotaPlan.PRO);
            alice.admit(aliceRequest(tokens(40_000)).at(T0));

            alice.applyPlanUpdate(switchPlan("alice", "free"));
            assertThat(alice.ledger().bucketTokens()).isEqualTo(10_000);

            alice.admit(aliceRequest(tokens(10_000)).at(T0));
            alice.applyPlanUpdate(switchPlan("alice", "pro"));
            assertThat(alice.ledger().bucketTokens()).as("an upgrade refills at the new rate, not at once").isZero();
            assertThat(alice.admit(aliceRequest(tokens(50_000)).at(T0 + 30 * SECOND)).isAdmitted()).isTrue();
        }

        @Test
        void limitingAnUnlimitedUserStartsWithAFullBucket() {
            QuotaAccount alice = aliceOn(QuotaPlan.UNLIMITED);
            alice.admit(aliceRequest(tokens(1_000_000)).at(T0));

            alice.applyPlanUpdate(switchPlan("alice", "free"));

            assertThat(alice.ledger().bucketTokens()).isEqualTo(10_000);
        }

        @Test
        void unlimitedPlanAdmitsEverything() {
            QuotaAccount alice = aliceOn(QuotaPlan.UNLIMITED);
            for (int i = 0; i < 100; i++) {
                assertThat(alice.admit(aliceRequest(tokens(Integer.MAX_VALUE)).at(T0)).isAdmitted()).isTrue();
            }
            assertThat(alice.ledger().getUsedToday()).isEqualTo(100L * Integer.MAX_VALUE);
        }
    }

    @Nested
    class Usage {

        @Test
        void snapshotHoldsAbsoluteValuesForTheDay() {
            QuotaAccount alice = aliceOn(QuotaPlan.FREE);
            alice.admit(aliceRequest(tokens(1_200)).at(T0));

            assertThat(alice.usage(T0)).isEqualTo(
                    new UsageDocument("alice", "free", 10_000L, 200_000L, 1_200, 198_800L, MIDNIGHT));
        }

        @Test
        void laterDayReadsAsUnused() {
            QuotaAccount alice = aliceOn(QuotaPlan.FREE);
            alice.admit(aliceRequest(tokens(1_200)).at(T0));

            assertThat(alice.usage(T0 + DAY)).isEqualTo(
                    new UsageDocument("alice", "free", 10_000L, 200_000L, 0, 200_000L, MIDNIGHT + DAY));
        }

        @Test
        void unlimitedHasNullLimits() {
            QuotaAccount alice = aliceOn(QuotaPlan.UNLIMITED);
            alice.admit(aliceRequest(tokens(7)).at(T0));

            assertThat(alice.usage(T0)).isEqualTo(
                    new UsageDocument("alice", "unlimited", null, null, 7, null, MIDNIGHT));
        }

        @Test
        void userWithoutAnyTimeHasNoResetTime() {
            QuotaAccount alice = aliceOn(QuotaPlan.FREE);
            alice.applyPlanUpdate(switchPlan("alice", "pro"));

            assertThat(alice.usage(0).resetsAt()).isZero();
        }
    }

    @Test
    void rejectionBecomesARejectedResultThatChargesNothing() {
        QuotaAccount alice = aliceOn(QuotaPlan.FREE);
        alice.admit(aliceRequest(tokens(10_000)).at(T0));
        InferenceRequest request = aliceRequest(tokens(60)).id("r-60").at(T0);

        InferenceResult result = alice.admit(request).toRejection(request, T0);

        assertThat(result.requestId()).isEqualTo("r-60");
        assertThat(result.status()).isEqualTo(RequestStatus.REJECTED);
        assertThat(result.errorCode()).isEqualTo("quota_exceeded");
        assertThat(result.retryAfterMs()).isEqualTo(360);
        assertThat(result.chargedTokens()).isZero();
        assertThat(result.inputTokens()).isEqualTo(60);
        assertThat(result.completedAt()).isEqualTo(T0);
    }
}
