package dev.streaminfer.api.service;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streaminfer.api.ApiError;
import dev.streaminfer.api.auth.ApiKeyStore;
import dev.streaminfer.api.auth.Caller;
import dev.streaminfer.functions.quota.QuotaUpdate;
import dev.streaminfer.functions.serde.Json;
import dev.streaminfer.api.kafka.RequestPublisher;
import dev.streaminfer.api.request.QuotaBodyParser;
import dev.streaminfer.functions.model.ErrorCode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Admin quota changes. The user's override state lives in PostgreSQL table
 * {@code api_quota_overrides} (one row per user); a change is merged into it under a row lock,
 * the merged COMPLETE state is written to the compacted {@code quota-updates} topic, and the
 * transaction commits only after Kafka acknowledged (Kafka down: rollback and 503). The user's
 * keys get the new plan too, so {@code /v1/usage} shows it.
 */
public final class QuotaService {

    private static final Logger LOG = LoggerFactory.getLogger(QuotaService.class);

    private static final String SELECT_FOR_UPDATE =
            "SELECT plan, tokens_per_minute, tokens_per_day FROM api_quota_overrides WHERE user_id = ? FOR UPDATE";
    private static final String SELECT =
            "SELECT plan, tokens_per_minute, tokens_per_day FROM api_quota_overrides WHERE user_id = ?";
    private static final String UPSERT =
            "INSERT INTO api_quota_overrides (user_id, plan, tokens_per_minute, tokens_per_day, updated_at, updated_by) "
                    + "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET plan = EXCLUDED.plan, "
                    + "tokens_per_minute = EXCLUDED.tokens_per_minute, tokens_per_day = EXCLUDED.tokens_per_day, "
                    + "updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by";
    private static final String LOCK_USER = "SELECT pg_advisory_xact_lock(hashtext(?))";

    /** A user's quota settings: plan, and overrides (null = the plan's default). */
    public record QuotaState(String plan, Long tokensPerMinute, Long tokensPerDay) {}

    private final DataSource dataSource;
    private final RequestPublisher publisher;
    private final Clock clock;
    private final Duration kafkaTimeout;

    public QuotaService(DataSource dataSource, RequestPublisher publisher, Clock clock, Duration kafkaTimeout) {
        this.dataSource = dataSource;
        this.publisher = publisher;
        this.clock = clock;
        this.kafkaTimeout = kafkaTimeout;
    }

    /** The stored state of a user, or the plan of their key with no overrides. */
    public QuotaState current(String userId, String keyPlan) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(SELECT)) {
            ps.setString(1, userId);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    return new QuotaState(rs.getString(1), nullableLong(rs, 2), nullableLong(rs, 3));
                }
            }
            return new QuotaState(keyPlan, null, null);
        } catch (SQLException e) {
            throw ApiError.unavailable("PostgreSQL is not reachable").exception();
        }
    }

    /** Applies an admin's change and returns the user's new complete state. */
    public ObjectNode update(Caller admin, String userId, byte[] body) {
        if (!QuotaBodyParser.isValidUserId(userId)) {
            throw ApiError.of(ErrorCode.INVALID_REQUEST,
                    "user_id must be 1-128 characters of letters, digits, '.', '_', '@', ':' or '-'").exception();
        }
        QuotaBodyParser.QuotaPatch patch = QuotaBodyParser.parse(body);
        long now = clock.millis();
        QuotaUpdate update;
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                lockUser(c, userId);
                QuotaState before = select(c, userId);
                if (before == null) {
                    String keyPlan = ApiKeyStore.planOf(c, userId).orElse("free");
                    before = new QuotaState(keyPlan, null, null);
                }
                QuotaState after = new QuotaState(
                        patch.plan().orElse(before.plan()),
                        patch.tokensPerMinute().present() ? patch.tokensPerMinute().value() : before.tokensPerMinute(),
                        patch.tokensPerDay().present() ? patch.tokensPerDay().value() : before.tokensPerDay());
                upsert(c, userId, after, now, admin.userId());
                if (patch.plan().isPresent()) {
                    ApiKeyStore.setPlan(c, userId, after.plan());
                }
                // The complete state, with the plan always named: an absent limit means the plan's own.
                update = QuotaUpdate.planChange(userId, after.plan(), after.tokensPerMinute(), after.tokensPerDay(), now);
                publish(update);
                c.commit();
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c);
                throw e;
            }
        } catch (SQLException e) {
            throw ApiError.unavailable("PostgreSQL is not reachable; the quota was not changed").exception();
        }
        LOG.info("event=quota_updated user_id={} plan={} tokens_per_minute={} tokens_per_day={} by={}",
                userId, update.plan(), update.tokensPerMinute(), update.tokensPerDay(), admin.userId());
        ObjectNode out = Json.mapper().createObjectNode();
        out.put("user_id", userId);
        out.put("plan", update.plan());
        putLimit(out, "tokens_per_minute", update.tokensPerMinute());
        putLimit(out, "tokens_per_day", update.tokensPerDay());
        out.put("updated_at", Instant.ofEpochMilli(now).toString());
        return out;
    }

    /** null = the plan's default. */
    private static void putLimit(ObjectNode out, String name, Long limit) {
        if (limit == null) {
            out.putNull(name);
        } else {
            out.put(name, limit);
        }
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

    private static void lockUser(Connection c, String userId) throws SQLException {
        // Serializes concurrent updates of one user even before their row exists.
        try (PreparedStatement ps = c.prepareStatement(LOCK_USER)) {
            ps.setString(1, userId);
            ps.execute();
        }
    }

    private static QuotaState select(Connection c, String userId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SELECT_FOR_UPDATE)) {
            ps.setString(1, userId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new QuotaState(rs.getString(1), nullableLong(rs, 2), nullableLong(rs, 3)) : null;
            }
        }
    }

    private static void upsert(Connection c, String userId, QuotaState s, long now, String by) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(UPSERT)) {
            ps.setString(1, userId);
            ps.setString(2, s.plan());
            setNullableLong(ps, 3, s.tokensPerMinute());
            setNullableLong(ps, 4, s.tokensPerDay());
            ps.setTimestamp(5, Timestamp.from(Instant.ofEpochMilli(now)));
            ps.setString(6, by);
            ps.executeUpdate();
        }
    }

    private static Long nullableLong(ResultSet rs, int column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : v;
    }

    private static void setNullableLong(PreparedStatement ps, int index, Long value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.BIGINT);
        } else {
            ps.setLong(index, value);
        }
    }

    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // the connection is broken; the pool discards it
        }
    }
}
