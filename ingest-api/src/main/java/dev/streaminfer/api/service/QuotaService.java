package dev.streaminfer.api.service;

import dev.streaminfer.api.ApiError;
import dev.streaminfer.api.auth.Caller;
import dev.streaminfer.api.kafka.RequestPublisher;
import dev.streaminfer.api.quota.QuotaOverrides;
import dev.streaminfer.api.quota.QuotaSettings;
import dev.streaminfer.api.request.QuotaBodyParser;
import dev.streaminfer.api.request.QuotaBodyParser.QuotaPatch;
import dev.streaminfer.contract.model.ErrorCode;
import dev.streaminfer.contract.quota.QuotaPlan;
import dev.streaminfer.contract.quota.QuotaUpdate;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Admin quota changes. A change is merged into the user's stored {@link QuotaSettings} under that
 * user's lock; the merged COMPLETE state is written to the compacted {@code quota-updates} topic,
 * and the change is stored only after Kafka acknowledged (Kafka down: nothing changes, 503).
 *
 * <p>The answer never says "not changed" for a change the job may apply: once Kafka acknowledged,
 * the answer is 200 even if PostgreSQL then fails to commit (the change is stored again in a new
 * transaction, best effort); a write Kafka did not confirm but may hold is stored and answered 503
 * {@code outcome_unknown} (repeating the same PUT is safe: the job applies the complete state, and
 * applying it twice changes nothing).
 */
public final class QuotaService {

    private static final Logger LOG = LoggerFactory.getLogger(QuotaService.class);

    /** A stored change: the user's new settings and when they were made (epoch ms). */
    public record QuotaChange(String userId, QuotaSettings settings, long updatedAt) {}

    private final QuotaOverrides overrides;
    private final RequestPublisher publisher;
    private final Clock clock;
    private final Duration kafkaTimeout;

    public QuotaService(QuotaOverrides overrides, RequestPublisher publisher, Clock clock, Duration kafkaTimeout) {
        this.overrides = overrides;
        this.publisher = publisher;
        this.clock = clock;
        this.kafkaTimeout = kafkaTimeout;
    }

    /** The stored settings of a user, or the plan of their key with no overrides. */
    public QuotaSettings current(String userId, String keyPlan) {
        try {
            return overrides.find(userId).orElse(QuotaSettings.planOnly(keyPlan));
        } catch (QuotaOverrides.UnavailableException e) {
            throw ApiError.unavailable("PostgreSQL is not reachable").exception();
        }
    }

    /**
     * Applies an admin's change.
     *
     * @throws dev.streaminfer.api.ApiException 400 for an invalid user id or an unknown plan (the
     *     job would ignore it), 503 when PostgreSQL or Kafka cannot be reached (nothing changed),
     *     503 {@code outcome_unknown} when Kafka did not confirm a write it may hold (the change is
     *     stored; repeat the PUT)
     */
    public QuotaChange update(Caller admin, String userId, QuotaPatch requested) {
        if (!QuotaBodyParser.isValidUserId(userId)) {
            throw ApiError.of(ErrorCode.INVALID_REQUEST,
                    "user_id must be 1-128 characters of letters, digits, '.', '_', '@', ':' or '-'").exception();
        }
        // The job knows a plan by its built-in name, case-insensitively; so does this route.
        Optional<String> plan = requested.plan().map(name -> QuotaPlan.builtIn(name).map(QuotaPlan::name)
                .orElseThrow(() -> ApiError.of(ErrorCode.UNKNOWN_PLAN,
                        "unknown plan '" + name + "'; known: free, pro, unlimited").exception()));
        QuotaPatch patch = new QuotaPatch(plan, requested.tokensPerMinute(), requested.tokensPerDay());
        long now = clock.millis();
        AtomicReference<QuotaSettings> sent = new AtomicReference<>();
        AtomicBoolean unconfirmed = new AtomicBoolean();
        QuotaSettings after;
        try {
            after = overrides.update(userId, admin.userId(), now, before -> merge(before, patch), merged -> {
                unconfirmed.set(!publish(QuotaUpdate.planChange(
                        userId, merged.plan(), merged.tokensPerMinute(), merged.tokensPerDay(), now)));
                sent.set(merged);
            });
        } catch (QuotaOverrides.UnavailableException e) {
            after = sent.get();
            if (after == null) {
                throw ApiError.unavailable("PostgreSQL is not reachable; the quota was not changed").exception();
            }
            // Kafka has (or may have) the change, so the job applies it: store it again rather than
            // answer an error for it.
            storeAgain(admin, userId, now, after);
        }
        LOG.info("event=quota_updated user_id={} plan={} tokens_per_minute={} tokens_per_day={} by={} confirmed={}",
                userId, after.plan(), after.tokensPerMinute(), after.tokensPerDay(), admin.userId(), !unconfirmed.get());
        if (unconfirmed.get()) {
            throw ApiError.outcomeUnknown("Kafka did not confirm the quota update in time and may hold it: it is"
                    + " stored and may already apply. Repeat the same PUT to be sure (applying it twice changes"
                    + " nothing)", 1).exception();
        }
        return new QuotaChange(userId, after, now);
    }

    private void storeAgain(Caller admin, String userId, long now, QuotaSettings published) {
        try {
            overrides.update(userId, admin.userId(), now, before -> published, merged -> {});
        } catch (QuotaOverrides.UnavailableException e) {
            LOG.error("event=quota_not_stored user_id={} plan={} tokens_per_minute={} tokens_per_day={} reason=\"{}\""
                            + " note=\"the job applies this change but PostgreSQL lacks it; repeat the PUT\"",
                    userId, published.plan(), published.tokensPerMinute(), published.tokensPerDay(), e.getMessage());
        }
    }

    private static QuotaSettings merge(QuotaSettings before, QuotaPatch patch) {
        return new QuotaSettings(
                patch.plan().orElse(before.plan()),
                patch.tokensPerMinute().present() ? patch.tokensPerMinute().value() : before.tokensPerMinute(),
                patch.tokensPerDay().present() ? patch.tokensPerDay().value() : before.tokensPerDay());
    }

    /**
     * @return true once Kafka acknowledged, false when it may hold the update without having said so
     * @throws dev.streaminfer.api.ApiException 503 when the update certainly was not written
     */
    private boolean publish(QuotaUpdate update) {
        try {
            publisher.publishQuotaUpdate(update).get(kafkaTimeout.toMillis() + 1_000, TimeUnit.MILLISECONDS);
            return true;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RequestPublisher.PublishFailedException failed && !failed.mayHaveBeenWritten()) {
                throw ApiError.kafkaUnavailable("Kafka did not take the quota update; nothing was changed")
                        .exception();
            }
            return false;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
