package dev.streaminfer.functions.quota;

import dev.streaminfer.contract.quota.QuotaPlan;
import dev.streaminfer.contract.quota.QuotaUpdate;

import dev.streaminfer.contract.model.InferenceRequest;
import dev.streaminfer.contract.model.Priority;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/** Quota test data that reads like the domain: {@code aliceRequest(tokens(120)).at(T0)}. */
final class QuotaTestData {

    /** A Sunday morning, far from midnight. */
    static final long T0 = Instant.parse("2026-11-22T10:00:00Z").toEpochMilli();
    static final long MIDNIGHT = Instant.parse("2026-11-23T00:00:00Z").toEpochMilli();
    static final long SECOND = 1_000;
    static final long MINUTE = 60_000;
    static final long DAY = 86_400_000L;

    private static final AtomicLong IDS = new AtomicLong();

    private QuotaTestData() {}

    static int tokens(int n) {
        return n;
    }

    static RequestDraft aliceRequest(int tokens) {
        return new RequestDraft("alice", tokens, "req-" + IDS.incrementAndGet());
    }

    static RequestDraft bobRequest(int tokens) {
        return new RequestDraft("bob", tokens, "req-" + IDS.incrementAndGet());
    }

    static RequestDraft requestOf(String user, int tokens) {
        return new RequestDraft(user, tokens, "req-" + IDS.incrementAndGet());
    }

    record RequestDraft(String userId, int tokens, String requestId) {
        RequestDraft id(String id) {
            return new RequestDraft(userId, tokens, id);
        }

        InferenceRequest at(long submittedAt) {
            return new InferenceRequest(requestId, userId, "all-minilm-l6-v2-q", new String[] {"some text"},
                    Priority.NORMAL, submittedAt + MINUTE, submittedAt, tokens, null);
        }
    }

    static QuotaUpdate refundOf(InferenceRequest request) {
        return QuotaUpdate.refund(request.userId(), request.requestId(), request.inputTokens(), request.submittedAt());
    }

    static QuotaUpdate dailyLimit(String user, long tokensPerDay) {
        return QuotaUpdate.planChange(user, null, null, tokensPerDay, 0);
    }

    static QuotaUpdate switchPlan(String user, String plan) {
        return QuotaUpdate.planChange(user, plan, null, null, 0);
    }

    static QuotaAccount aliceOn(QuotaPlan plan) {
        return QuotaAccount.newUser("alice", plan);
    }
}
