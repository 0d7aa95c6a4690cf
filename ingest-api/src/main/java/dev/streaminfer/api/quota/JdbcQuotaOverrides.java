package dev.streaminfer.api.quota;

import dev.streaminfer.api.auth.ApiKeyStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import javax.sql.DataSource;

/**
 * {@link QuotaOverrides} in PostgreSQL table {@code api_quota_overrides} (one row per user, the
 * complete state). Changes of one user are serialized by a transaction-scoped advisory lock, so
 * they queue even before the user's row exists.
 */
public final class JdbcQuotaOverrides implements QuotaOverrides {

    private static final String SELECT =
            "SELECT plan, tokens_per_minute, tokens_per_day FROM api_quota_overrides WHERE user_id = ?";
    private static final String UPSERT =
            "INSERT INTO api_quota_overrides (user_id, plan, tokens_per_minute, tokens_per_day, updated_at, updated_by) "
                    + "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET plan = EXCLUDED.plan, "
                    + "tokens_per_minute = EXCLUDED.tokens_per_minute, tokens_per_day = EXCLUDED.tokens_per_day, "
                    + "updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by";
    private static final String LOCK_USER = "SELECT pg_advisory_xact_lock(hashtext(?))";
    private static final String DEFAULT_PLAN = "free";

    private final DataSource dataSource;

    public JdbcQuotaOverrides(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    @Override
    public Optional<QuotaSettings> find(String userId) {
        try (Connection c = dataSource.getConnection()) {
            return select(c, userId);
        } catch (SQLException e) {
            throw new UnavailableException("PostgreSQL is not reachable", e);
        }
    }

    @Override
    public QuotaSettings update(String userId, String updatedBy, long updatedAtMillis,
                                UnaryOperator<QuotaSettings> change, Consumer<QuotaSettings> beforeCommit) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                lockUser(c, userId);
                QuotaSettings before = select(c, userId).orElse(null);
                if (before == null) {
                    before = QuotaSettings.planOnly(ApiKeyStore.planOf(c, userId).orElse(DEFAULT_PLAN));
                }
                QuotaSettings after = change.apply(before);
                upsert(c, userId, after, updatedAtMillis, updatedBy);
                if (!after.plan().equals(before.plan())) {
                    ApiKeyStore.setPlan(c, userId, after.plan());
                }
                beforeCommit.accept(after);
                c.commit();
                return after;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c);
                throw e;
            }
        } catch (SQLException e) {
            throw new UnavailableException("PostgreSQL is not reachable; the quota was not changed", e);
        }
    }

    private static void lockUser(Connection c, String userId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(LOCK_USER)) {
            ps.setString(1, userId);
            ps.execute();
        }
    }

    private static Optional<QuotaSettings> select(Connection c, String userId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SELECT)) {
            ps.setString(1, userId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next()
                        ? Optional.of(new QuotaSettings(rs.getString(1), nullableLong(rs, 2), nullableLong(rs, 3)))
                        : Optional.empty();
            }
        }
    }

    private static void upsert(Connection c, String userId, QuotaSettings s, long now, String by) throws SQLException {
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
