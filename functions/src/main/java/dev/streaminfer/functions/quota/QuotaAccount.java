package dev.streaminfer.functions.quota;

import dev.streaminfer.contract.quota.QuotaPlan;
import dev.streaminfer.contract.quota.QuotaUpdate;
import dev.streaminfer.contract.quota.UsageDocument;

import static dev.streaminfer.functions.quota.QuotaLedger.UNITS_PER_TOKEN;
import static dev.streaminfer.functions.quota.QuotaLedger.epochDay;
import static dev.streaminfer.functions.quota.QuotaLedger.startOfDay;

import dev.streaminfer.contract.model.InferenceRequest;
import dev.streaminfer.functions.quota.QuotaDecision.Outcome;
import dev.streaminfer.functions.quota.QuotaDecision.Reason;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Objects;

/**
 * The quota decisions for one user: plain logic over the user's {@link PlanAssignment},
 * {@link QuotaLedger} and {@link RefundedIds}, which it changes in place. {@link QuotaFunction}
 * loads those from keyed state, calls one method and stores them back.
 *
 * <h2>Semantics</h2>
 *
 * <table>
 * <caption>How requests, refunds and plan changes are decided</caption>
 * <tr><th>topic</th><th>rule</th></tr>
 * <tr><td>cost</td><td>{@code request.inputTokens()} (the job's tokenizer count). A request costing
 *     0 is always admitted.</td></tr>
 * <tr><td>time</td><td>Request time only ({@code submitted_at}), never the wall clock. The ledger
 *     clock is the newest {@code submitted_at} seen for the user and never moves back; every
 *     request is decided at that clock, so a replay decides exactly the same way.</td></tr>
 * <tr><td>minute limit</td><td>Token bucket, capacity = {@code tokens_per_minute}, refilled
 *     continuously (exact integer arithmetic) from the clock. A new user starts full. Tokens
 *     admitted with decision times in any window {@code [t, t+w]} ms never exceed
 *     {@code capacity + tokens_per_minute * w / 60000}.</td></tr>
 * <tr><td>day limit</td><td>Budget per UTC calendar day of {@code submitted_at}: tokens admitted
 *     for requests submitted on one UTC day never exceed {@code tokens_per_day}.</td></tr>
 * <tr><td>admission</td><td>Only if the bucket and the request's day budget both cover the cost;
 *     both are then charged. A rejection charges nothing.</td></tr>
 * <tr><td>retry_after_ms</td><td>From {@code submitted_at} to the earliest time both would cover
 *     the cost: when the bucket has refilled enough, and/or the next UTC midnight. 0 (no wait
 *     helps) when the cost exceeds the bucket capacity or the day limit outright; the message says
 *     so.</td></tr>
 * <tr><td>out of order</td><td>A request older than the clock gets no refill (decided at the
 *     clock). If submitted on the previous UTC day it is charged to that day's budget (the ledger
 *     keeps yesterday's total); if submitted on an earlier day it is rejected ({@code TOO_LATE},
 *     retry 0): that day is no longer accounted.</td></tr>
 * <tr><td>refund</td><td>Gives the tokens back to the request's own UTC day budget if that is the
 *     current or the previous day, never below 0; a refund for an older day is ignored. Refunds do
 *     <em>not</em> refill the minute bucket: the bucket limits the rate of admitted work, and it
 *     refills by itself within 60 s. Idempotent per {@code request_id}: ids are remembered while
 *     their day is tracked (current and previous UTC day).</td></tr>
 * <tr><td>plan change</td><td>Fields absent keep their value; {@code plan} alone switches to that
 *     built-in plan's limits; limits apply to the current day's usage at once (lowering the day
 *     limit below today's usage rejects until midnight). The bucket keeps its level, capped at the
 *     new capacity (full when the minute limit was off before). An update with an
 *     {@code updated_at} older than the one applied is ignored.</td></tr>
 * <tr><td>unknown user</td><td>The default plan, until a plan change arrives; a plan given by an
 *     admin never expires with idle usage state.</td></tr>
 * </table>
 */
public final class QuotaAccount {

    private final String userId;
    private final QuotaPlan defaultPlan;
    private final QuotaLedger ledger;
    private final RefundedIds refundedIds;
    private PlanAssignment assignment;

    /**
     * @param assignment the user's plan from an admin, or null for the default plan
     * @param ledger the user's usage, or null for a user without usage state
     */
    public QuotaAccount(String userId, QuotaPlan defaultPlan, PlanAssignment assignment,
            QuotaLedger ledger, RefundedIds refundedIds) {
        this.userId = Objects.requireNonNull(userId, "userId");
        this.defaultPlan = Objects.requireNonNull(defaultPlan, "defaultPlan");
        this.assignment = assignment;
        this.ledger = ledger != null ? ledger : new QuotaLedger();
        this.refundedIds = Objects.requireNonNull(refundedIds, "refundedIds");
    }

    /** A user with no state yet, remembering refunds in memory. */
    public static QuotaAccount newUser(String userId, QuotaPlan defaultPlan) {
        return new QuotaAccount(userId, defaultPlan, null, null, new InMemoryRefundedIds());
    }

    public QuotaPlan plan() {
        return assignment != null ? assignment.plan() : defaultPlan;
    }

    /** The admin-given plan, null while the user is on the default plan. */
    public PlanAssignment assignment() {
        return assignment;
    }

    public QuotaLedger ledger() {
        return ledger;
    }

    /** Decides one request and, if admitted, charges its tokens. */
    public QuotaDecision admit(InferenceRequest request) {
        QuotaPlan plan = plan();
        long cost = Math.max(0, request.inputTokens());
        long at = request.submittedAt();
        boolean rolledOver;
        if (!ledger.isStarted()) {
            ledger.start(at, plan);
            rolledOver = true;
        } else {
            rolledOver = ledger.advanceTo(at, plan);
            if (rolledOver) {
                refundedIds.forgetDaysBefore(ledger.getDay() - 1);
            }
        }

        if (plan.limitsMinute() && cost > plan.tokensPerMinute()) {
            return QuotaDecision.rejected(Reason.EXCEEDS_MINUTE_CAPACITY, cost, 0,
                    "request needs " + cost + " tokens but plan '" + plan.name() + "' allows at most "
                            + plan.tokensPerMinute() + " tokens per minute; it cannot be admitted"
                            + " under this plan", rolledOver);
        }
        if (plan.limitsDay() && cost > plan.tokensPerDay()) {
            return QuotaDecision.rejected(Reason.EXCEEDS_DAY_LIMIT, cost, 0,
                    "request needs " + cost + " tokens but plan '" + plan.name() + "' allows at most "
                            + plan.tokensPerDay() + " tokens per day; it cannot be admitted"
                            + " under this plan", rolledOver);
        }
        long requestDay = epochDay(at);
        boolean yesterday = requestDay == ledger.getDay() - 1;
        if (requestDay < ledger.getDay() - 1) {
            return QuotaDecision.rejected(Reason.TOO_LATE, cost, 0,
                    "request submitted at " + Instant.ofEpochMilli(at) + " is more than a UTC day older"
                            + " than this user's newest request (" + Instant.ofEpochMilli(ledger.getClock())
                            + "); its day is no longer accounted", rolledOver);
        }

        long clock = ledger.getClock();
        long missingUnits = plan.limitsMinute() ? cost * UNITS_PER_TOKEN - ledger.getBucketUnits() : 0;
        long usedOnDay = yesterday ? ledger.getUsedYesterday() : ledger.getUsedToday();
        boolean bucketShort = missingUnits > 0;
        boolean dayShort = plan.limitsDay() && usedOnDay + cost > plan.tokensPerDay();
        if (bucketShort || dayShort) {
            long bucketReadyAt = bucketShort ? clock + ceilDiv(missingUnits, plan.tokensPerMinute()) : clock;
            // A retry is a new request, submitted today: it fits today's budget or waits for midnight,
            // whichever day this (possibly late) request was charged to.
            boolean retryFitsToday = !plan.limitsDay() || ledger.getUsedToday() + cost <= plan.tokensPerDay();
            long dayReadyAt = retryFitsToday ? clock : startOfDay(ledger.getDay() + 1);
            long retryAfterMs = Math.max(1, Math.max(bucketReadyAt, dayReadyAt) - at);
            String message = dayShort
                    ? "daily quota exceeded: request needs " + cost + " tokens, "
                            + Math.max(0, plan.tokensPerDay() - usedOnDay) + " of " + plan.tokensPerDay()
                            + " left for " + LocalDate.ofEpochDay(requestDay) + " (UTC); the budget resets at "
                            + Instant.ofEpochMilli(startOfDay(requestDay + 1))
                    : "per-minute quota exceeded: request needs " + cost + " tokens, "
                            + ledger.bucketTokens() + " available now; plan '" + plan.name()
                            + "' refills " + plan.tokensPerMinute() + " tokens per minute";
            return QuotaDecision.rejected(dayShort ? Reason.DAY_BUDGET : Reason.MINUTE_RATE, cost,
                    retryAfterMs, message, rolledOver);
        }

        if (plan.limitsMinute()) {
            ledger.setBucketUnits(ledger.getBucketUnits() - cost * UNITS_PER_TOKEN);
        }
        if (yesterday) {
            ledger.setUsedYesterday(ledger.getUsedYesterday() + cost);
        } else {
            ledger.setUsedToday(ledger.getUsedToday() + cost);
        }
        return QuotaDecision.admitted(cost, rolledOver || (cost > 0 && !yesterday));
    }

    /** Applies a plan change or a refund. */
    public QuotaDecision apply(QuotaUpdate update) {
        return update.isRefund() ? refund(update) : applyPlanUpdate(update);
    }

    /** Gives a refunded request's tokens back to its day budget (once per request id). */
    public QuotaDecision refund(QuotaUpdate refund) {
        if (!ledger.isStarted()) {
            return QuotaDecision.ignored(Reason.NO_USAGE, "no usage state for this user");
        }
        long refundDay = epochDay(refund.submittedAt());
        boolean today = refundDay == ledger.getDay();
        if (!today && refundDay != ledger.getDay() - 1) {
            return QuotaDecision.ignored(Reason.REFUND_OUT_OF_RANGE,
                    "refund for " + LocalDate.ofEpochDay(refundDay) + ", a UTC day that is not accounted");
        }
        if (!refundedIds.add(refund.requestId(), refundDay)) {
            return QuotaDecision.ignored(Reason.DUPLICATE_REFUND, "request already refunded");
        }
        long used = today ? ledger.getUsedToday() : ledger.getUsedYesterday();
        long restored = Math.min(Math.max(0, refund.tokens()), used);
        if (today) {
            ledger.setUsedToday(used - restored);
        } else {
            ledger.setUsedYesterday(used - restored);
        }
        return new QuotaDecision(Outcome.REFUNDED, Reason.NONE, restored, 0, null, today && restored > 0);
    }

    /** Applies a plan change from the admin API. */
    public QuotaDecision applyPlanUpdate(QuotaUpdate update) {
        long appliedAt = assignment != null ? assignment.updatedAt() : 0;
        if (update.updatedAt() > 0 && update.updatedAt() < appliedAt) {
            return QuotaDecision.ignored(Reason.STALE_UPDATE, "plan change from "
                    + Instant.ofEpochMilli(update.updatedAt()) + " is older than the one applied ("
                    + Instant.ofEpochMilli(appliedAt) + ")");
        }
        QuotaPlan current = plan();
        QuotaPlan base = update.plan() != null ? QuotaPlan.builtIn(update.plan()).orElse(null) : current;
        if (base == null) {
            return QuotaDecision.ignored(Reason.UNKNOWN_PLAN, "unknown plan: " + update.plan());
        }
        QuotaPlan next = base.withOverrides(update.tokensPerMinute(), update.tokensPerDay());
        ledger.onPlanChange(current, next);
        assignment = new PlanAssignment(next, Math.max(appliedAt, update.updatedAt()));
        return new QuotaDecision(Outcome.PLAN_CHANGED, Reason.NONE, 0, 0, null, true);
    }

    /**
     * The user's usage as of {@code asOf} (epoch ms; request or update time, never the wall
     * clock): a day after the ledger's own reads as unused.
     */
    public UsageDocument usage(long asOf) {
        QuotaPlan plan = plan();
        long day;
        if (ledger.isStarted()) {
            day = Math.max(ledger.getDay(), epochDay(asOf));
        } else {
            day = asOf > 0 ? epochDay(asOf) : Long.MIN_VALUE;
        }
        long used = ledger.isStarted() && day == ledger.getDay() ? ledger.getUsedToday() : 0;
        return UsageDocument.of(userId, plan, used, day == Long.MIN_VALUE ? 0 : startOfDay(day + 1));
    }

    private static long ceilDiv(long a, long b) {
        return -Math.floorDiv(-a, b);
    }
}
