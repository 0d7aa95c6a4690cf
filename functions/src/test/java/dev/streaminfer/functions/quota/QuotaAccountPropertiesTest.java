package dev.streaminfer.functions.quota;

import dev.streaminfer.contract.quota.QuotaPlan;
import dev.streaminfer.contract.quota.QuotaUpdate;
import dev.streaminfer.contract.quota.UsageDocument;

import static dev.streaminfer.functions.quota.QuotaLedger.UNITS_PER_TOKEN;
import static dev.streaminfer.functions.quota.QuotaLedger.epochDay;
import static org.assertj.core.api.Assertions.assertThat;

import dev.streaminfer.contract.model.InferenceRequest;
import dev.streaminfer.functions.quota.QuotaDecision.Outcome;
import dev.streaminfer.functions.quota.QuotaDecision.Reason;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/**
 * Random plans and random sequences of requests (in order and slightly out of order, across UTC
 * midnights), refunds (some duplicated) and plan changes, checked against the invariants the quota
 * promises. "Decision time" is the ledger clock when a request is decided (the newest
 * {@code submitted_at} so far); for in-order sequences it is the request's own {@code submitted_at}.
 */
class QuotaAccountPropertiesTest {

    sealed interface Op permits Submit, Refund, ChangePlan {}

    /** A request {@code gapMs} after the previous one's base time, submitted {@code lateMs} earlier. */
    record Submit(int tokens, long gapMs, long lateMs) implements Op {}

    /**
     * A refund of the {@code pick}-th admitted request (modulo their number): repeats are
     * duplicates. A pick above 950 forges a refund of 50,000 tokens for a request never admitted.
     */
    record Refund(int pick) implements Op {}

    record ChangePlan(QuotaPlan plan) implements Op {}

    record Step(Op op, InferenceRequest request, QuotaDecision decision, long decidedAt) {}

    // ---------------------------------------------------------------- properties

    @Property(tries = 400)
    void admittedTokensNeverExceedTheBucketInAnyWindow(
            @ForAll("plans") QuotaPlan plan, @ForAll("startTimes") long start,
            @ForAll @Size(max = 150) List<@net.jqwik.api.From("requestsAndRefunds") Op> ops) {
        List<Step> steps = run(plan, start, ops);
        if (!plan.limitsMinute()) {
            return;
        }
        List<Step> admitted = steps.stream()
                .filter(s -> s.request != null && s.decision.isAdmitted()).toList();
        long[] prefix = new long[admitted.size() + 1];
        for (int i = 0; i < admitted.size(); i++) {
            prefix[i + 1] = prefix[i] + admitted.get(i).decision.tokens();
        }
        for (int i = 0; i < admitted.size(); i++) {
            for (int j = i; j < admitted.size(); j++) {
                long window = admitted.get(j).decidedAt - admitted.get(i).decidedAt;
                long tokens = prefix[j + 1] - prefix[i];
                // tokens ≤ capacity + rate * window, in exact bucket units
                assertThat(tokens * UNITS_PER_TOKEN)
                        .as("window [%d, %d]", admitted.get(i).decidedAt, admitted.get(j).decidedAt)
                        .isLessThanOrEqualTo(plan.tokensPerMinute() * (UNITS_PER_TOKEN + window));
            }
        }
    }

    @Property(tries = 400)
    void chargedTokensNeverExceedTheDayLimitOfAnyUtcDay(
            @ForAll("plans") QuotaPlan plan, @ForAll("startTimes") long start,
            @ForAll @Size(max = 150) List<@net.jqwik.api.From("requestsAndRefunds") Op> ops) {
        List<Step> steps = run(plan, start, ops);
        Map<Long, Long> admittedByDay = new HashMap<>();
        Map<Long, Long> refundedByDay = new HashMap<>();
        for (Step s : steps) {
            if (s.request != null && s.decision.isAdmitted()) {
                admittedByDay.merge(epochDay(s.request.submittedAt()), s.decision.tokens(), Long::sum);
            }
            if (s.op instanceof Refund && s.decision.outcome() == Outcome.REFUNDED) {
                refundedByDay.merge(epochDay(s.request.submittedAt()), s.decision.tokens(), Long::sum);
            }
        }
        for (Map.Entry<Long, Long> day : admittedByDay.entrySet()) {
            long refunded = refundedByDay.getOrDefault(day.getKey(), 0L);
            assertThat(refunded).as("refunded on day %d", day.getKey()).isLessThanOrEqualTo(day.getValue());
            if (plan.limitsDay()) {
                assertThat(day.getValue() - refunded).as("charged on day %d", day.getKey())
                        .isLessThanOrEqualTo(plan.tokensPerDay());
            }
        }
    }

    @Property(tries = 300)
    void nothingGoesNegativeAndRetryAfterIsExact(
            @ForAll("plans") QuotaPlan plan, @ForAll("startTimes") long start,
            @ForAll @Size(max = 120) List<@net.jqwik.api.From("anyOp") Op> ops) {
        QuotaAccount account = QuotaAccount.newUser("alice", plan);
        Runner runner = new Runner(account, start);
        for (Op op : ops) {
            if (op instanceof Submit submit) {
                InferenceRequest request = runner.request(submit);
                QuotaAccount before = copy(account);
                QuotaDecision decision = runner.submit(request);
                if (decision.reason() == Reason.MINUTE_RATE || decision.reason() == Reason.DAY_BUDGET) {
                    assertThat(decision.retryAfterMs()).isPositive();
                    long retryAt = request.submittedAt() + decision.retryAfterMs();
                    assertThat(copy(before).admit(at(request, retryAt)).isAdmitted())
                            .as("the same request at submitted_at + retry_after_ms fits").isTrue();
                    if (decision.retryAfterMs() > 1 && retryAt - 1 >= before.ledger().getClock()) {
                        assertThat(copy(before).admit(at(request, retryAt - 1)).isAdmitted())
                                .as("one ms earlier it does not").isFalse();
                    }
                } else {
                    assertThat(decision.retryAfterMs()).isZero();
                }
            } else {
                runner.apply(op);
            }
            QuotaLedger ledger = account.ledger();
            assertThat(ledger.getUsedToday()).isNotNegative();
            assertThat(ledger.getUsedYesterday()).isNotNegative();
            assertThat(ledger.getBucketUnits()).isNotNegative();
            if (account.plan().limitsMinute()) {
                assertThat(ledger.getBucketUnits())
                        .isLessThanOrEqualTo(account.plan().tokensPerMinute() * UNITS_PER_TOKEN);
            }
            UsageDocument usage = account.usage(ledger.getClock());
            assertThat(usage.usedToday()).isNotNegative();
            if (usage.remainingToday() != null) {
                assertThat(usage.remainingToday()).isNotNegative();
            }
        }
    }

    @Property(tries = 200)
    void sameInputSequenceGivesTheSameDecisions(
            @ForAll("plans") QuotaPlan plan, @ForAll("startTimes") long start,
            @ForAll @Size(max = 150) List<@net.jqwik.api.From("anyOp") Op> ops) {
        List<Step> first = run(plan, start, ops);
        List<Step> second = run(plan, start, ops);

        assertThat(second).extracting(Step::decision).isEqualTo(first.stream().map(Step::decision).toList());
    }

    // ---------------------------------------------------------------- running a sequence

    private static List<Step> run(QuotaPlan plan, long start, List<Op> ops) {
        Runner runner = new Runner(QuotaAccount.newUser("alice", plan), start);
        for (Op op : ops) {
            if (op instanceof Submit submit) {
                runner.submit(runner.request(submit));
            } else {
                runner.apply(op);
            }
        }
        return runner.steps;
    }

    /**
     * Found by the property above: a request a millisecond before midnight is charged to the
     * previous day, which has room, but its retry lands on the new day, which has not.
     */
    @Example
    void retryOfALateRequestFromYesterdayWaitsForTodaysBudget() {
        long midnight = java.time.Instant.parse("2026-11-23T00:00:00Z").toEpochMilli();
        QuotaAccount account = QuotaAccount.newUser("alice", QuotaPlan.UNLIMITED);
        account.applyPlanUpdate(QuotaUpdate.planChange("alice", null, 21L, 21L, 0));
        assertThat(account.admit(QuotaTestData.aliceRequest(1).id("today").at(midnight)).isAdmitted()).isTrue();

        InferenceRequest late = QuotaTestData.aliceRequest(21).id("late").at(midnight - 1);
        QuotaAccount before = copy(account);
        QuotaDecision decision = account.admit(late);

        assertThat(decision.isAdmitted()).isFalse();
        long retryAt = late.submittedAt() + decision.retryAfterMs();
        assertThat(retryAt).as("today has 20 of 21 left: the retry waits for the next midnight")
                .isEqualTo(midnight + 86_400_000L);
        assertThat(copy(before).admit(at(late, retryAt)).isAdmitted()).isTrue();
    }

    private static final class Runner {
        final QuotaAccount account;
        final List<Step> steps = new ArrayList<>();
        final List<InferenceRequest> admitted = new ArrayList<>();
        long time;
        int ids;

        Runner(QuotaAccount account, long start) {
            this.account = account;
            this.time = start;
        }

        InferenceRequest request(Submit submit) {
            time += submit.gapMs();
            return QuotaTestData.aliceRequest(submit.tokens()).id("r" + ids++).at(time - submit.lateMs());
        }

        QuotaDecision submit(InferenceRequest request) {
            QuotaDecision decision = account.admit(request);
            if (decision.isAdmitted()) {
                admitted.add(request);
            }
            steps.add(new Step(null, request, decision, account.ledger().getClock()));
            return decision;
        }

        void apply(Op op) {
            if (op instanceof Refund refund) {
                if (admitted.isEmpty()) {
                    return;
                }
                InferenceRequest request = refund.pick() > 950
                        ? QuotaTestData.aliceRequest(50_000).id("forged" + ids++).at(time)
                        : admitted.get(refund.pick() % admitted.size());
                steps.add(new Step(op, request, account.refund(QuotaTestData.refundOf(request)),
                        account.ledger().getClock()));
            } else if (op instanceof ChangePlan change) {
                QuotaPlan plan = change.plan();
                steps.add(new Step(op, null, account.applyPlanUpdate(QuotaUpdate.planChange(
                        "alice", null, plan.tokensPerMinute(), plan.tokensPerDay(), 0)),
                        account.ledger().getClock()));
            }
        }
    }

    private static InferenceRequest at(InferenceRequest request, long submittedAt) {
        return QuotaTestData.aliceRequest(request.inputTokens()).id(request.requestId()).at(submittedAt);
    }

    private static QuotaAccount copy(QuotaAccount account) {
        QuotaLedger l = account.ledger();
        QuotaLedger c = new QuotaLedger();
        c.setStarted(l.isStarted());
        c.setClock(l.getClock());
        c.setDay(l.getDay());
        c.setUsedToday(l.getUsedToday());
        c.setUsedYesterday(l.getUsedYesterday());
        c.setBucketUnits(l.getBucketUnits());
        return new QuotaAccount("alice", account.plan(), null, c, new InMemoryRefundedIds());
    }

    // ---------------------------------------------------------------- generators

    @Provide
    Arbitrary<QuotaPlan> plans() {
        Arbitrary<Long> perMinute = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(1, Arbitraries.just(QuotaPlan.NO_LIMIT)),
                net.jqwik.api.Tuple.of(6, Arbitraries.longs().between(0, 20_000)));
        Arbitrary<Long> perDay = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(1, Arbitraries.just(QuotaPlan.NO_LIMIT)),
                net.jqwik.api.Tuple.of(6, Arbitraries.longs().between(0, 80_000)));
        return Combinators.combine(perMinute, perDay).as((m, d) -> new QuotaPlan("random", m, d));
    }

    @Provide
    Arbitrary<Long> startTimes() {
        long midnight = QuotaTestData.MIDNIGHT;
        return Arbitraries.oneOf(
                Arbitraries.longs().between(midnight - 120_000, midnight),
                Arbitraries.longs().between(QuotaTestData.T0 - QuotaTestData.DAY, QuotaTestData.T0));
    }

    @Provide
    Arbitrary<Op> requestsAndRefunds() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, submits()),
                net.jqwik.api.Tuple.of(1, refunds()));
    }

    @Provide
    Arbitrary<Op> anyOp() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(12, submits()),
                net.jqwik.api.Tuple.of(2, refunds()),
                net.jqwik.api.Tuple.of(1, plans().map(ChangePlan::new)));
    }

    private Arbitrary<Op> submits() {
        Arbitrary<Integer> tokens = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(1, Arbitraries.just(0)),
                net.jqwik.api.Tuple.of(6, Arbitraries.integers().between(1, 3_000)),
                net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(3_000, 25_000)));
        Arbitrary<Long> gap = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, Arbitraries.longs().between(0, 2_000)),
                net.jqwik.api.Tuple.of(3, Arbitraries.longs().between(0, 90_000)),
                net.jqwik.api.Tuple.of(1, Arbitraries.longs().between(0, 30L * 3_600_000)));
        Arbitrary<Long> late = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, Arbitraries.just(0L)),
                net.jqwik.api.Tuple.of(2, Arbitraries.longs().between(0, 30_000)),
                net.jqwik.api.Tuple.of(1, Arbitraries.longs().between(0, 50L * 3_600_000)));
        return Combinators.combine(tokens, gap, late).as(Submit::new);
    }

    private Arbitrary<Op> refunds() {
        return Arbitraries.integers().between(0, 1_000).map(Refund::new);
    }
}
