package dev.streaminfer.api.auth;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * API keys in PostgreSQL table {@code api_keys}, stored as SHA-256 hex digests. Lookups ignore
 * revoked keys. The static helpers seed and revoke keys (the quickstart seeds the demo keys with
 * {@link #upsert(String, String, String, String, String, String, String)}).
 */
public final class ApiKeyStore implements KeyDirectory {

    private static final String LOOKUP =
            "SELECT user_id, role, plan FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL";
    private static final String UPSERT =
            "INSERT INTO api_keys (key_hash, user_id, role, plan) VALUES (?, ?, ?, ?) "
                    + "ON CONFLICT (key_hash) DO UPDATE SET user_id = EXCLUDED.user_id, role = EXCLUDED.role, "
                    + "plan = EXCLUDED.plan, revoked_at = NULL";
    private static final String REVOKE =
            "UPDATE api_keys SET revoked_at = now() WHERE key_hash = ? AND revoked_at IS NULL";
    private static final String SET_PLAN = "UPDATE api_keys SET plan = ? WHERE user_id = ?";
    private static final String PLAN_OF =
            "SELECT plan FROM api_keys WHERE user_id = ? AND revoked_at IS NULL ORDER BY created_at DESC LIMIT 1";

    private final DataSource dataSource;

    public ApiKeyStore(DataSource dataSource) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    }

    @Override
    public Optional<Caller> lookup(String keyHash) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(LOOKUP)) {
            ps.setString(1, keyHash);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                Optional<Role> role = Role.fromWireName(rs.getString(2));
                // An unknown role (schema drift) grants nothing.
                return role.map(r -> new Caller(rsString(rs, 1), r, rsString(rs, 3)));
            }
        } catch (SQLException e) {
            throw new KeyDirectoryUnavailableException("api_keys lookup failed: " + e.getMessage(), e);
        }
    }

    /** The plan of a user's newest active key, if the user has one. */
    public Optional<String> planOf(String userId) {
        try (Connection c = dataSource.getConnection()) {
            return planOf(c, userId);
        } catch (SQLException e) {
            throw new KeyDirectoryUnavailableException("api_keys lookup failed: " + e.getMessage(), e);
        }
    }

    /** Same, within the caller's connection. */
    public static Optional<String> planOf(Connection c, String userId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(PLAN_OF)) {
            ps.setString(1, userId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        }
    }

    /** Sets the plan on every key of a user (within the caller's transaction). */
    public static int setPlan(Connection c, String userId, String plan) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SET_PLAN)) {
            ps.setString(1, plan);
            ps.setString(2, userId);
            return ps.executeUpdate();
        }
    }

    private static String rsString(ResultSet rs, int column) {
        try {
            return rs.getString(column);
        } catch (SQLException e) {
            throw new KeyDirectoryUnavailableException("api_keys read failed", e);
        }
    }

    /** Creates or replaces (and un-revokes) a key. Stores only the SHA-256 hex of {@code plainKey}. */
    public static void upsert(DataSource dataSource, String plainKey, String userId, String role, String plan) {
        try (Connection c = dataSource.getConnection()) {
            upsert(c, plainKey, userId, role, plan);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot upsert API key for user " + userId + ": " + e.getMessage(), e);
        }
    }

    /** {@link #upsert(DataSource, String, String, String, String)} over a one-off JDBC connection. */
    public static void upsert(String jdbcUrl, String dbUser, String dbPassword,
                              String plainKey, String userId, String role, String plan) {
        try (Connection c = DriverManager.getConnection(jdbcUrl, dbUser, dbPassword)) {
            upsert(c, plainKey, userId, role, plan);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot upsert API key for user " + userId + ": " + e.getMessage(), e);
        }
    }

    private static void upsert(Connection c, String plainKey, String userId, String role, String plan)
            throws SQLException {
        if (plainKey == null || plainKey.isBlank()) throw new IllegalArgumentException("key must not be blank");
        if (userId == null || userId.isBlank()) throw new IllegalArgumentException("userId must not be blank");
        if (Role.fromWireName(role).isEmpty()) throw new IllegalArgumentException("role must be user or admin");
        try (PreparedStatement ps = c.prepareStatement(UPSERT)) {
            ps.setString(1, KeyHash.sha256Hex(plainKey));
            ps.setString(2, userId);
            ps.setString(3, role);
            ps.setString(4, plan == null || plan.isBlank() ? "free" : plan);
            ps.executeUpdate();
        }
    }

    /** Revokes a key; the API stops accepting it within its key cache lifetime. */
    public static boolean revoke(DataSource dataSource, String plainKey) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(REVOKE)) {
            ps.setString(1, KeyHash.sha256Hex(plainKey));
            return ps.executeUpdate() > 0;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot revoke key: " + e.getMessage(), e);
        }
    }

    /** {@link #revoke(DataSource, String)} over a one-off JDBC connection. */
    public static boolean revoke(String jdbcUrl, String dbUser, String dbPassword, String plainKey) {
        try (Connection c = DriverManager.getConnection(jdbcUrl, dbUser, dbPassword);
             PreparedStatement ps = c.prepareStatement(REVOKE)) {
            ps.setString(1, KeyHash.sha256Hex(plainKey));
            return ps.executeUpdate() > 0;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot revoke key: " + e.getMessage(), e);
        }
    }
}
