package dev.streaminfer.it.sql;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streaminfer.it.sql.SqlTestData.Row;
import dev.streaminfer.it.sql.SqlTestData.Window;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every analytics view against real PostgreSQL, over a known set of results written with the
 * job's upsert; expected numbers come from {@link SqlTestData}'s Java oracle. Two windows:
 * one five years ahead (always after the rollup watermark, so the views read raw rows) and one
 * two months back (rolled up by refresh_usage_rollups, so the views read the rollups).
 */
class SqlAnalyticsViewsITCase {

    private static SqlTestData data;
    private static Window raw;
    private static Window rolled;

    @BeforeAll
    static void writeTheKnownSet() throws Exception {
        data = new SqlTestData();
        LocalDate thisMonth = LocalDate.now(ZoneOffset.UTC).withDayOfMonth(1);
        raw = data.window(thisMonth.plusYears(5), "raw");
        rolled = data.window(thisMonth.minusMonths(2), "rolled");
        try (Connection c = data.connect()) {
            SqlTestData.deleteTestRows(c);
            data.insertTestPrices(c, raw);
            data.insertTestPrices(c, rolled);
            data.write(c, raw.writes);
            data.write(c, rolled.writes);
            refreshCovering(c, rolled.start());
        }
    }

    @AfterAll
    static void cleanUp() throws Exception {
        try (Connection c = data.connect()) {
            SqlTestData.deleteTestRows(c);
        }
    }

    /** Rolls up every finished day, recomputing back to {@code since}. */
    static void refreshCovering(Connection c, Instant since) throws SQLException {
        long days = Duration.between(since, Instant.now()).toDays() + 2;
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM refresh_usage_rollups(make_interval(days => ?))")) {
            ps.setInt(1, (int) days);
            ps.executeQuery().close();
        }
    }

    static Instant watermark(Connection c) throws SQLException {
        try (ResultSet rs = c.createStatement().executeQuery("SELECT usage_rollup_watermark()")) {
            rs.next();
            return rs.getTimestamp(1).toInstant();
        }
    }

    @Test
    void theTwoWindowsAreOnEitherSideOfTheWatermark() throws Exception {
        try (Connection c = data.connect()) {
            Instant wm = watermark(c);
            assertThat(rolled.end()).isBeforeOrEqualTo(wm);
            assertThat(raw.start()).isAfter(wm);
            assertThat(SqlViews.query(c, "SELECT count(*) FROM usage_daily_rollup WHERE user_id = ANY(?)", data.users))
                    .containsExactly(String.valueOf(rollupRowCount()));
            assertThat(SqlViews.query(c, "SELECT count(*) FROM inference_results WHERE user_id = ANY(?)", data.users))
                    .containsExactly(String.valueOf(raw.rows.size() + rolled.rows.size()));
        }
    }

    /** usage_daily_rollup has one row per day, user, model, status and error code. */
    private static int rollupRowCount() {
        return (int) rolled.rows().stream()
                .map(r -> r.day() + "|" + r.userId() + "|" + r.model() + "|" + r.status() + "|" + r.errorCode())
                .distinct().count();
    }

    @Test
    void theStoredRowsAreTheFinalStates() throws Exception {
        try (Connection c = data.connect()) {
            List<String> stored = SqlViews.query(c, "SELECT request_id, status, charged_tokens, latency_ms"
                    + " FROM inference_results WHERE user_id = ANY(?) AND submitted_at >= ? AND submitted_at < ?",
                    data.users, raw.start(), raw.end());
            List<String> expected = new ArrayList<>();
            for (Row r : raw.rows()) {
                expected.add(r.requestId() + "|" + r.status() + "|" + r.chargedTokens() + "|" + r.latencyMs());
            }
            expected.sort(null);
            assertThat(stored).containsExactlyElementsOf(expected);
        }
    }

    @Test
    void usageDailyCountsEveryStatusAndToken() throws Exception {
        List<String> expected = new ArrayList<>(data.expectedUsageDaily(raw.rows()));
        expected.addAll(data.expectedUsageDaily(rolled.rows()));
        expected.sort(null);
        try (Connection c = data.connect()) {
            assertThat(SqlViews.usageDaily(c, data.users)).containsExactlyElementsOf(expected);
        }
        // spot checks by hand: alice on day 0 with M1 (3 completed 100+50+30, 1 rejected of 500)
        assertThat(expected).contains(raw.firstDay + "|" + data.alice + "|" + SqlTestData.M1 + "|4|3|1|0|0|0|0|680|180");
        // carol on day 3: one queued, one queued → completed, one failed attempt replayed as completed
        assertThat(expected).contains(raw.firstDay.plusDays(3) + "|" + data.carol + "|" + SqlTestData.M1 + "|3|2|0|0|0|0|1|27|20");
    }

    @Test
    void rejectionsByReasonAndUser() throws Exception {
        List<String> expected = new ArrayList<>(data.expectedRejections(raw.rows()));
        expected.addAll(data.expectedRejections(rolled.rows()));
        expected.sort(null);
        try (Connection c = data.connect()) {
            assertThat(SqlViews.rejections(c, data.users)).containsExactlyElementsOf(expected);
        }
        assertThat(expected).contains(raw.firstDay + "|" + data.bob + "|" + SqlTestData.M1 + "|rejected|quota_exceeded|2|45");
        assertThat(expected).hasSize(2 * 6);
    }

    @Test
    void latencyPercentilesPerModelAndHour() throws Exception {
        try (Connection c = data.connect()) {
            for (Window w : List.of(raw, rolled)) {
                assertThat(SqlViews.latency(c, List.of(SqlTestData.M1, SqlTestData.M2, data.testModel), w.start(), w.end()))
                        .as("latency_hourly in %s", w.firstDay)
                        .containsExactlyElementsOf(data.expectedLatency(w.rows()));
            }
        }
        // by hand: M1 at 10:00 on day 0 has 120, 80 (alice) and 100 (bob): p50 100, p95 118, p99 119.6
        Instant tenOClock = raw.at(0, 10, 0, 0, 0);
        assertThat(data.expectedLatency(raw.rows()))
                .contains(tenOClock + "|" + SqlTestData.M1 + "|3|100.000000|118.000000|119.600000|100.0|120");
    }

    @Test
    void costUsesThePriceValidAtEachRequest() throws Exception {
        try (Connection c = data.connect()) {
            List<String> daily = new ArrayList<>(data.expectedCostDaily(raw, raw.rows()));
            daily.addAll(data.expectedCostDaily(rolled, rolled.rows()));
            daily.sort(null);
            assertThat(SqlViews.costDaily(c, data.users)).containsExactlyElementsOf(daily);

            List<String> perModel = new ArrayList<>(data.expectedCostUserModelMonth(raw, raw.rows()));
            perModel.addAll(data.expectedCostUserModelMonth(rolled, rolled.rows()));
            perModel.sort(null);
            assertThat(SqlViews.costUserModelMonth(c, data.users)).containsExactlyElementsOf(perModel);

            List<String> perUser = new ArrayList<>(data.expectedCostUserMonth(raw, raw.rows()));
            perUser.addAll(data.expectedCostUserMonth(rolled, rolled.rows()));
            perUser.sort(null);
            assertThat(SqlViews.costUserMonth(c, data.users)).containsExactlyElementsOf(perUser);
        }
        // by hand, alice in the second month of the raw window: test model 500 tokens at 0.01 and
        // 2000 + 300 at 0.025 per 1k = 0.005 + 0.0575; M1 nothing charged (expired, cancelled)
        LocalDate month2 = raw.firstDay.plusDays(2);
        assertThat(data.expectedCostUserMonth(raw, raw.rows()))
                .contains(month2 + "|" + data.alice + "|2800|0.06250000|0");
        // and in the first month: M1 180 tokens at 0.002 + M2 40 at 0.004 + test model 1000 at 0.01
        assertThat(data.expectedCostUserMonth(raw, raw.rows()))
                .contains(raw.firstDay.withDayOfMonth(1) + "|" + data.alice + "|1220|0.01052000|0");
    }

    @Test
    void topUsersOverWholeAndPartialDays() throws Exception {
        try (Connection c = data.connect()) {
            for (Window w : List.of(raw, rolled)) {
                assertThat(SqlViews.topUsers(c, w.start(), w.end(), 10)).as("whole window %s", w.firstDay)
                        .containsExactlyElementsOf(data.expectedTopUsers(w, w.rows(), w.start(), w.end(), 10));
                // partial first and last day: from day 0 10:30 to day 2 12:00 (the price change, excluded)
                Instant from = w.at(0, 10, 30, 0, 0);
                Instant to = w.priceChange;
                assertThat(SqlViews.topUsers(c, from, to, 2)).as("partial days %s", w.firstDay)
                        .containsExactlyElementsOf(data.expectedTopUsers(w, w.rows(), from, to, 2));
                assertThat(SqlViews.topUsers(c, w.end(), w.start(), 10)).as("empty period").isEmpty();
            }
        }
        // by hand: alice leads the raw window with 180 + 40 + 1000 + 500 + 2000 + 300 = 4020 tokens
        assertThat(data.expectedTopUsers(raw, raw.rows(), raw.start(), raw.end(), 1).get(0))
                .startsWith("1|" + data.alice + "|").contains("|4020|");
    }

    @Test
    void usagePerMinuteOverRawRows() throws Exception {
        Instant from = raw.at(0, 10, 0, 0, 0);
        Instant to = raw.at(0, 11, 0, 0, 0);
        try (Connection c = data.connect()) {
            assertThat(SqlViews.perMinute(c, data.users, from, to))
                    .containsExactlyElementsOf(data.expectedPerMinute(raw.rows(), from, to))
                    .hasSize(6);
        }
    }

    @Test
    void aLateWriteToARolledDayShowsAfterTheNextRefresh() throws Exception {
        Window late = data.window(rolled.firstDay.plusDays(2), "late");
        // only one extra completed request on a day that is already rolled up
        var write = late.writes.get(0);
        Row row = late.rows.get(write.requestId());
        List<Row> withLate = new ArrayList<>(rolled.rows());
        withLate.add(row);
        try (Connection c = data.connect()) {
            List<String> before = SqlViews.usageDaily(c, data.users);
            data.write(c, List.of(write));
            assertThat(SqlViews.usageDaily(c, data.users)).as("stale until refreshed").isEqualTo(before);

            refreshCovering(c, row.submittedAt());
            List<String> expected = new ArrayList<>(data.expectedUsageDaily(raw.rows()));
            expected.addAll(data.expectedUsageDaily(withLate));
            expected.sort(null);
            assertThat(SqlViews.usageDaily(c, data.users)).containsExactlyElementsOf(expected);

            // and back to the known set for the other tests
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM inference_results WHERE request_id = ?")) {
                ps.setString(1, row.requestId());
                ps.executeUpdate();
            }
            refreshCovering(c, row.submittedAt());
        }
    }

    @Test
    void refreshingAgainChangesNothing() throws Exception {
        try (Connection c = data.connect()) {
            List<String> before = SqlViews.usageDaily(c, data.users);
            List<String> latencyBefore = SqlViews.latency(c, List.of(data.testModel), rolled.start(), rolled.end());
            refreshCovering(c, rolled.start());
            refreshCovering(c, rolled.start());
            assertThat(SqlViews.usageDaily(c, data.users)).isEqualTo(before);
            assertThat(SqlViews.latency(c, List.of(data.testModel), rolled.start(), rolled.end())).isEqualTo(latencyBefore);
        }
    }

    @Test
    void replayingEveryWriteChangesNothing() throws Exception {
        try (Connection c = data.connect()) {
            List<String> before = SqlViews.usageDaily(c, data.users);
            data.write(c, raw.writes);
            assertThat(SqlViews.usageDaily(c, data.users)).isEqualTo(before);
        }
    }
}
