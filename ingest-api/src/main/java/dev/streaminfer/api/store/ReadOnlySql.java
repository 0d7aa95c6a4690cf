package dev.streaminfer.api.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import javax.sql.DataSource;

/**
 * Runs the API's reads of PostgreSQL (listing, stats) in a read-only transaction with a
 * statement timeout: a slow or mistaken query can neither write nor hold a pooled connection long.
 */
final class ReadOnlySql {

    @FunctionalInterface
    interface Query<T> {
        T run(Connection connection) throws SQLException;
    }

    private ReadOnlySql() {}

    /** @throws RequestStore.StoreUnavailableException if PostgreSQL cannot answer */
    static <T> T query(DataSource dataSource, Duration timeout, Query<T> query) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                try (Statement s = c.createStatement()) {
                    s.execute("SET TRANSACTION READ ONLY");
                    s.execute("SET LOCAL statement_timeout = " + timeout.toMillis());
                }
                return query.run(c);
            } finally {
                c.rollback(); // it only read
            }
        } catch (SQLException e) {
            throw new RequestStore.StoreUnavailableException("PostgreSQL: " + e.getMessage(), e);
        }
    }
}
