package dev.streaminfer.api.service;

import dev.streaminfer.api.ApiError;
import dev.streaminfer.api.auth.Caller;
import dev.streaminfer.api.store.RequestStore;
import dev.streaminfer.contract.quota.QuotaPlan;
import dev.streaminfer.contract.quota.UsageDocument;
import java.time.Clock;
import java.util.Optional;

/**
 * {@code GET /v1/usage}: the job's usage document for the caller while its day lasts (the job is
 * the authority); otherwise what the API knows: the plan and overrides from PostgreSQL resolved to
 * their limits, nothing used today.
 */
public final class UsageService {

    private final RequestStore store;
    private final QuotaService quotas;
    private final Clock clock;

    public UsageService(RequestStore store, QuotaService quotas, Clock clock) {
        this.store = store;
        this.quotas = quotas;
        this.clock = clock;
    }

    public UsageDocument usage(Caller caller) {
        long now = clock.millis();
        Optional<UsageDocument> mirror = mirror(store, caller.userId());
        if (mirror.isPresent() && mirror.get().resetsAt() > now) {
            return mirror.get();
        }
        QuotaPlan plan = quotas.current(caller.userId(), caller.plan()).effectivePlan().orElse(QuotaPlan.FREE);
        return UsageDocument.unused(caller.userId(), plan, now);
    }

    /** The job's usage document for a user, if one exists and is well formed. */
    static Optional<UsageDocument> mirror(RequestStore store, String userId) {
        try {
            return mirrorOf(store.usage(userId), userId);
        } catch (RequestStore.StoreUnavailableException e) {
            throw ApiError.unavailable("Redis is not reachable").exception();
        }
    }

    static Optional<UsageDocument> mirrorOf(Optional<String> json, String userId) {
        return json.flatMap(UsageDocument::decode).filter(doc -> doc.userId().equals(userId));
    }
}
