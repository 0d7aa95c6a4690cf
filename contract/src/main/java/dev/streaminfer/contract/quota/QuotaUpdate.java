package dev.streaminfer.contract.quota;

import dev.streaminfer.contract.model.InferenceResult;
import dev.streaminfer.contract.model.RequestStatus;
import java.util.Optional;

/**
 * One message of the quota stream, keyed by {@code userId}: a plan change from the admin API (topic
 * {@code quota-updates}, compacted) or a refund from the job (topic {@code quota-refunds}, time
 * retention); {@link QuotaUpdateCodec} owns their format, key and topic. Flat on purpose (a Flink
 * POJO, no Kryo); which fields matter depends on {@link #type}.
 *
 * <p>Plan change: {@code plan} (a built-in plan name, or null to keep the current plan), and
 * {@code tokensPerMinute} / {@code tokensPerDay}: {@code null} keeps the current value,
 * {@link QuotaPlan#NO_LIMIT} removes the limit, a value ≥ 0 sets it. {@code updatedAt} (epoch ms,
 * 0 = unknown) orders updates: one older than the update already applied is ignored.
 *
 * <p>Refund: {@code requestId}, {@code tokens} (what was charged on admission) and
 * {@code submittedAt} (the request's, which selects the UTC day the tokens go back to).
 */
public record QuotaUpdate(
        Type type,
        String userId,
        String plan,
        Long tokensPerMinute,
        Long tokensPerDay,
        long updatedAt,
        String requestId,
        long tokens,
        long submittedAt) {

    public enum Type {
        PLAN,
        REFUND;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** A plan change; pass null for what stays as it is. */
    public static QuotaUpdate planChange(
            String userId, String plan, Long tokensPerMinute, Long tokensPerDay, long updatedAt) {
        return new QuotaUpdate(Type.PLAN, userId, plan, tokensPerMinute, tokensPerDay, updatedAt, null, 0, 0);
    }

    public static QuotaUpdate refund(String userId, String requestId, long tokens, long submittedAt) {
        return new QuotaUpdate(Type.REFUND, userId, null, null, null, 0, requestId, tokens, submittedAt);
    }

    /**
     * The refund owed for a final result: present for {@code expired}, {@code failed} and
     * {@code cancelled} results that had tokens, empty otherwise ({@code completed} costs,
     * {@code rejected} was never charged). Build refunds only from results of requests the quota
     * function admitted, i.e. downstream of it: the function trusts the token count (it clamps at
     * zero, but cannot tell a refund for a request it never charged).
     */
    public static Optional<QuotaUpdate> refundFor(InferenceResult result) {
        RequestStatus status = result.status();
        boolean refundable = status == RequestStatus.EXPIRED
                || status == RequestStatus.FAILED
                || status == RequestStatus.CANCELLED;
        if (!refundable || result.inputTokens() <= 0) {
            return Optional.empty();
        }
        return Optional.of(refund(result.userId(), result.requestId(), result.inputTokens(), result.submittedAt()));
    }

    public boolean isRefund() {
        return type == Type.REFUND;
    }
}
