package dev.streaminfer.functions.quota;

import dev.streaminfer.contract.model.ErrorCode;
import dev.streaminfer.contract.model.InferenceRequest;
import dev.streaminfer.contract.model.InferenceResult;
import dev.streaminfer.contract.model.RequestStatus;

/**
 * What {@link QuotaAccount} decided for one request or update.
 *
 * @param tokens tokens charged (admitted), asked for (rejected) or given back (refunded)
 * @param retryAfterMs for a rejection: ms after the request's {@code submitted_at} at which the
 *     same request would fit, or 0 when waiting cannot help (it exceeds the plan outright)
 * @param message human text for a rejection or an ignored update, null otherwise
 * @param usageChanged whether the user's usage mirror changed (a snapshot is due)
 */
public record QuotaDecision(
        Outcome outcome, Reason reason, long tokens, long retryAfterMs, String message, boolean usageChanged) {

    public enum Outcome {
        ADMITTED,
        REJECTED,
        REFUNDED,
        PLAN_CHANGED,
        /** An update that changes nothing: duplicate or out-of-range refund, stale plan change. */
        IGNORED
    }

    public enum Reason {
        NONE,
        /** Not enough tokens in the minute bucket yet. */
        MINUTE_RATE,
        /** Not enough left of the request's UTC day budget. */
        DAY_BUDGET,
        /** Costs more than the bucket holds when full: no wait helps. */
        EXCEEDS_MINUTE_CAPACITY,
        /** Costs more than a whole day's budget: no wait helps. */
        EXCEEDS_DAY_LIMIT,
        /** Submitted on a UTC day before yesterday (relative to the newest request): not accounted. */
        TOO_LATE,
        DUPLICATE_REFUND,
        /** A refund for a day that is no longer (or not yet) tracked: nothing to give back. */
        REFUND_OUT_OF_RANGE,
        /** A refund for a user without usage state (never seen, or expired while idle). */
        NO_USAGE,
        /** A plan change older ({@code updated_at}) than the one already applied. */
        STALE_UPDATE,
        UNKNOWN_PLAN
    }

    static QuotaDecision admitted(long tokens, boolean usageChanged) {
        return new QuotaDecision(Outcome.ADMITTED, Reason.NONE, tokens, 0, null, usageChanged);
    }

    static QuotaDecision rejected(Reason reason, long tokens, long retryAfterMs, String message, boolean usageChanged) {
        return new QuotaDecision(Outcome.REJECTED, reason, tokens, retryAfterMs, message, usageChanged);
    }

    static QuotaDecision ignored(Reason reason, String message) {
        return new QuotaDecision(Outcome.IGNORED, reason, 0, 0, message, false);
    }

    public boolean isAdmitted() {
        return outcome == Outcome.ADMITTED;
    }

    /** The {@code rejected} result document for a request this decision rejected. */
    public InferenceResult toRejection(InferenceRequest request, long decidedAt) {
        if (outcome != Outcome.REJECTED) {
            throw new IllegalStateException("not a rejection: " + this);
        }
        return InferenceResult.unsuccessful(request, RequestStatus.REJECTED, ErrorCode.QUOTA_EXCEEDED,
                message, retryAfterMs, decidedAt);
    }
}
