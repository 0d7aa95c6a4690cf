package dev.streaminfer.it.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.streaminfer.it.sql.SqlTestData.Row;
import dev.streaminfer.it.sql.SqlTestData.Window;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The retention purge: deletes raw rows of rolled-up days only, in batches, and leaves every
 * daily and monthly view unchanged. The known set sits in a window just after anything purged
 * before (normally January 1990), so the purge touches no recent rows of other tests.
 */
class SqlRetentionITCase {

    private static SqlTestData data;
    private static Window w;

    @BeforeAll
    static void writeTheKnownSet() throws Exception {
        data = new SqlTestData();
        try (Connection c = data.connect()) {
            Instant purgedUntil = state(c, "purged_until");
            LocalDate first = LocalDate.of(1990, 1, 3);
            if (purgedUntil != null && !purgedUntil.isBefore(first.atStartOfDay().toInstant(ZoneOffset.UTC))) {
                // an earlier run on this database purged up to here: go past it
                first = purgedUntil.atOffset(ZoneOffset.UTC).toLocalDate().plusDays(3);
            }
            w = data.window(first, "old");
            SqlTestData.deleteTestRows(c);
            data.insertTestPrices(c, w);
            data.write(c, w.writes);
            SqlAnalyticsViewsITCase.refreshCovering(c, w.start());
        }
    }

    @AfterAll
    static void cleanUp() throws Exception {
        try (Connection c = data.connect()) {
            SqlTestData.deleteTestRows(c);
        }
    }

    static Instant state(Connection c, String column) throws SQLException {
        try (ResultSet rs = c.createStatement().executeQuery("SELECT " + column + " FROM rollup_state")) {
            rs.next();
            Timestamp ts = rs.getTimestamp(1);
            return ts == null || ts.getTime() == Long.MIN_VALUE || rs.getString(1).contains("infinity") ? null : ts.toInstant();
        }
    }

    private static long rawRows(Connection c) throws SQLException {
        return Long.parseLong(SqlViews.query(c, "SELECT count(*) FROM inference_results WHERE user_id = ANY(?)",
                data.users).get(0));
    }

    private static long purgeBefore(Connection c, Instant cutoff, int batch) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT purge_inference_results_before(?, ?)")) {
            ps.setTimestamp(1, Timestamp.from(cutoff));
            ps.setInt(2, batch);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    @Test
    void purgeDeletesOldRowsInBatchesAndTheViewsStayTheSame() throws Exception {
        List<Row> rows = w.rows();
        try (Connection c = data.connect()) {
            List<String> usage = SqlViews.usageDaily(c, data.users);
            List<String> rejections = SqlViews.rejections(c, data.users);
            List<String> cost = SqlViews.costUserModelMonth(c, data.users);
            List<String> latency = SqlViews.latency(c, List.of(data.testModel), w.start(), w.end());
            assertThat(usage).containsExactlyElementsOf(data.expectedUsageDaily(rows));
            assertThat(cost).containsExactlyElementsOf(data.expectedCostUserModelMonth(w, rows));

            // purge days 0 and 1, three rows per call (a cutoff inside day 2 is rounded down to its midnight)
            Instant cutoff = w.at(2, 15, 0, 0, 0);
            long beforeDay2 = rows.stream().filter(r -> r.submittedAt().isBefore(w.at(2, 0, 0, 0, 0))).count();
            long deleted = 0;
            int calls = 0;
            long n;
            do {
                n = purgeBefore(c, cutoff, 3);
                assertThat(n).isLessThanOrEqualTo(3);
                deleted += n;
                calls++;
            } while (n > 0 && calls < 1000);
            // rows of other tests older than the window may have gone too; ours are exact
            assertThat(rawRows(c)).isEqualTo(rows.size() - beforeDay2);
            assertThat(deleted).isGreaterThanOrEqualTo(beforeDay2);
            assertThat(calls).isGreaterThanOrEqualTo((int) (beforeDay2 / 3) + 1);
            assertThat(state(c, "purged_until")).isEqualTo(w.at(2, 0, 0, 0, 0));

            assertThat(SqlViews.usageDaily(c, data.users)).isEqualTo(usage);
            assertThat(SqlViews.rejections(c, data.users)).isEqualTo(rejections);
            assertThat(SqlViews.costUserModelMonth(c, data.users)).isEqualTo(cost);
            assertThat(SqlViews.latency(c, List.of(data.testModel), w.start(), w.end())).isEqualTo(latency);

            // a refresh with a lookback over the purged days must not recompute them from what is left
            SqlAnalyticsViewsITCase.refreshCovering(c, w.start());
            assertThat(SqlViews.usageDaily(c, data.users)).isEqualTo(usage);
            assertThat(SqlViews.costUserModelMonth(c, data.users)).isEqualTo(cost);

            // the procedure: everything before day 3, one transaction per batch
            try (PreparedStatement ps = c.prepareStatement(
                    "CALL purge_inference_results_all(now() - CAST(? AS timestamptz), 2)")) {
                ps.setTimestamp(1, Timestamp.from(w.at(3, 0, 0, 0, 0)));
                ps.execute();
            }
            long day3 = rows.stream().filter(r -> !r.submittedAt().isBefore(w.at(3, 0, 0, 0, 0))).count();
            assertThat(rawRows(c)).isEqualTo(day3);
            assertThat(SqlViews.usageDaily(c, data.users)).isEqualTo(usage);
            assertThat(SqlViews.topUsers(c, w.start(), w.end(), 10))
                    .containsExactlyElementsOf(data.expectedTopUsers(w, rows, w.start(), w.end(), 10));

            // nothing left to purge before that cutoff
            assertThat(purgeBefore(c, w.at(2, 0, 0, 0, 0), 100)).isZero();
        }
    }

    @Test
    void purgeRefusesDangerousArguments() throws Exception {
        try (Connection c = data.connect()) {
            assertThatThrownBy(() -> c.createStatement().executeQuery("SELECT purge_inference_results('1 hour', 100)"))
                    .hasMessageContaining("older_than must be at least 1 day");
            assertThatThrownBy(() -> c.createStatement().execute("CALL purge_inference_results_all('10 minutes')"))
                    .hasMessageContaining("older_than must be at least 1 day");
            assertThatThrownBy(() -> purgeBefore(c, w.start(), 0))
                    .hasMessageContaining("batch_size must be at least 1");
            assertThatThrownBy(() -> c.createStatement().executeQuery("SELECT * FROM refresh_usage_rollups('-1 day')"))
                    .hasMessageContaining("lookback must be zero or more");
        }
    }

    @Test
    void purgeNeverGoesPastTheRollupWatermark() throws Exception {
        try (Connection c = data.connect()) {
            Instant wm = state(c, "rolled_until");
            Instant purgedBefore = state(c, "purged_until");
            assertThat(wm).isNotNull();
            // in a transaction that is rolled back, so no other test loses a row
            c.setAutoCommit(false);
            try (PreparedStatement count = c.prepareStatement(
                    "SELECT count(*) FILTER (WHERE submitted_at >= ?), count(*) FILTER (WHERE submitted_at < ?)"
                            + " FROM inference_results")) {
                count.setTimestamp(1, Timestamp.from(wm));
                count.setTimestamp(2, Timestamp.from(wm));
                long atOrAfter;
                try (ResultSet rs = count.executeQuery()) {
                    rs.next();
                    atOrAfter = rs.getLong(1);
                }
                long deleted = purgeBefore(c, Instant.parse("3000-01-01T00:00:00Z"), 10_000_000);
                try (ResultSet rs = count.executeQuery()) {
                    rs.next();
                    assertThat(rs.getLong(1)).as("rows at or after the watermark").isEqualTo(atOrAfter);
                    assertThat(rs.getLong(2)).as("rows before the watermark").isZero();
                }
                assertThat(deleted).isPositive();
                assertThat(state(c, "purged_until")).isEqualTo(wm);
            } finally {
                c.rollback();
                c.setAutoCommit(true);
            }
            assertThat(state(c, "purged_until")).isEqualTo(purgedBefore);
        }
    }
}
