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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Admin quota changes. A change is merged into the user's stored {@link QuotaSettings} under that
 * user's lock; the merged COMPLETE state is written to the compacted {@code quota-updates} topic,
 * and the change is stored only after Kafka acknowledged (Kafka down: nothing changes, 503).
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
     *     job would ignore it), 503 when PostgreSQL or Kafka cannot be reached (nothing changed)
     */
    public QuotaChange update(Caller admin, String userId, QuotaPatch patch) {
        if (!QuotaBodyParser.isValidUserId(userId)) {
            throw ApiError.of(ErrorCode.INVALID_REQUEST,
                    "user_id must be 1-128 characters of letters, digits, '.', '_', '@', ':' or '-'").exception();
        }
        patch.plan().filter(plan -> QuotaPlan.builtIn(plan).isEmpty()).ifPresent(plan -> {
            throw ApiError.of(ErrorCode.UNKNOWN_PLAN, "unknown plan '" + plan + "'; known: free, pro, unlimited")
                    .exception();
        });
        long now = clock.millis();
        QuotaSettings after;
        try {
            after = overrides.update(userId, admin.userId(), now, before -> merge(before, patch),
                    merged -> publish(QuotaUpdate.planChange(
                            userId, merged.plan(), merged.tokensPerMinute(), merged.tokensPerDay(), now)));
        } catch (QuotaOverrides.UnavailableException e) {
            throw ApiError.unavailable("PostgreSQL is not reachable; the quota was not changed").exception();
        }
        LOG.info("event=quota_updated user_id={} plan={} tokens_per_minute={} tokens_per_day={} by={}",
                userId, after.plan(), after.tokensPerMinute(), after.tokensPerDay(), admin.userId());
        return new QuotaChange(userId, after, now);
    }

    private static QuotaSettings merge(QuotaSettings before, QuotaPatch patch) {
        return new QuotaSettings(
                patch.plan().orElse(before.plan()),
                patch.tokensPerMinute().present() ? patch.tokensPerMinute().value() : before.tokensPerMinute(),
                patch.tokensPerDay().present() ? patch.tokensPerDay().value() : before.tokensPerDay());
    }

    private void publish(QuotaUpdate update) {
        try {
            publisher.publishQuotaUpdate(update).get(kafkaTimeout.toMillis() + 1_000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw ApiError.kafkaUnavailable("Kafka did not acknowledge the quota update; nothing was changed")
                    .exception();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiError.kafkaUnavailable("interrupted").exception();
        }
    }
}
