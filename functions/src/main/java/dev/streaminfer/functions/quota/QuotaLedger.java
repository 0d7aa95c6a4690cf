package dev.streaminfer.functions.quota;

import dev.streaminfer.contract.quota.QuotaPlan;

/**
 * One user's usage: the minute bucket, the day budgets and the time they are measured at. A Flink
 * POJO kept in keyed state (public no-argument constructor, getters and setters); the decisions
 * that change it live in {@link QuotaAccount}.
 *
 * <p>Time is request time ({@code submitted_at}, epoch ms), never the wall clock. {@link #clock} is
 * the newest {@code submitted_at} seen for the user and never moves backwards; {@link #day} is its
 * UTC day (days since 1970-01-01).
 *
 * <p>The bucket level is an integer in units of 1/60,000 token: a plan refilling
 * {@code tokensPerMinute} tokens per minute adds exactly {@code tokensPerMinute} units per
 * millisecond, so refills are exact and every replay computes the same levels.
 */
public class QuotaLedger {

    /** Bucket units per token: one per millisecond of a minute. */
    public static final long UNITS_PER_TOKEN = 60_000;
    public static final long MS_PER_DAY = 86_400_000L;

    private boolean started;
    private long clock;
    private long day;
    private long usedToday;
    private long usedYesterday;
    private long bucketUnits;
    private long cleanupTimer;

    public QuotaLedger() {}

    public static long epochDay(long epochMs) {
        return Math.floorDiv(epochMs, MS_PER_DAY);
    }

    public static long startOfDay(long epochDay) {
        return epochDay * MS_PER_DAY;
    }

    /** Starts the ledger at the user's first request: full bucket, nothing used. */
    void start(long at, QuotaPlan plan) {
        started = true;
        clock = at;
        day = epochDay(at);
        usedToday = 0;
        usedYesterday = 0;
        bucketUnits = plan.limitsMinute() ? capacityUnits(plan) : 0;
    }

    /**
     * Moves the clock forward to {@code at} (never backwards), refilling the bucket and rolling
     * the day over.
     *
     * @return true if a new UTC day began
     */
    boolean advanceTo(long at, QuotaPlan plan) {
        if (plan.limitsMinute()) {
            long elapsed = at > clock ? Math.min(at - clock, UNITS_PER_TOKEN) : 0;
            bucketUnits = Math.min(capacityUnits(plan), bucketUnits + elapsed * plan.tokensPerMinute());
        }
        if (at <= clock) {
            return false;
        }
        clock = at;
        long newDay = epochDay(at);
        if (newDay == day) {
            return false;
        }
        usedYesterday = newDay == day + 1 ? usedToday : 0;
        usedToday = 0;
        day = newDay;
        return true;
    }

    /** Adjusts the bucket to a new plan: a full bucket for a newly limited one, else capped. */
    void onPlanChange(QuotaPlan previous, QuotaPlan next) {
        if (!started || !next.limitsMinute()) {
            return;
        }
        bucketUnits = previous.limitsMinute()
                ? Math.min(bucketUnits, capacityUnits(next))
                : capacityUnits(next);
    }

    static long capacityUnits(QuotaPlan plan) {
        return plan.tokensPerMinute() * UNITS_PER_TOKEN;
    }

    /** Tokens in the bucket now (rounded down). */
    public long bucketTokens() {
        return bucketUnits / UNITS_PER_TOKEN;
    }

    /**
     * The request time from which this ledger can be dropped without changing any decision for a
     * request no more than a day late: both tracked days are over and the bucket is full.
     */
    public long expiresAt() {
        return startOfDay(day + 2);
    }

    public boolean isStarted() { return started; }
    public void setStarted(boolean started) { this.started = started; }
    public long getClock() { return clock; }
    public void setClock(long clock) { this.clock = clock; }
    public long getDay() { return day; }
    public void setDay(long day) { this.day = day; }
    public long getUsedToday() { return usedToday; }
    public void setUsedToday(long usedToday) { this.usedToday = usedToday; }
    public long getUsedYesterday() { return usedYesterday; }
    public void setUsedYesterday(long usedYesterday) { this.usedYesterday = usedYesterday; }
    public long getBucketUnits() { return bucketUnits; }
    public void setBucketUnits(long bucketUnits) { this.bucketUnits = bucketUnits; }
    /** Processing time of the pending cleanup timer, 0 when none (used by {@link QuotaFunction}). */
    public long getCleanupTimer() { return cleanupTimer; }
    public void setCleanupTimer(long cleanupTimer) { this.cleanupTimer = cleanupTimer; }

    @Override
    public String toString() {
        return "QuotaLedger{started=" + started + ", clock=" + clock + ", day=" + day
                + ", usedToday=" + usedToday + ", usedYesterday=" + usedYesterday
                + ", bucketTokens=" + bucketTokens() + "}";
    }
}
