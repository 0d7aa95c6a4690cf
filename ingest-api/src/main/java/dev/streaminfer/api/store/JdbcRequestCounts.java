package dev.streaminfer.api.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.TreeMap;
import javax.sql.DataSource;

/**
 * Requests by status, by model and by priority over the last minute and the last hour, from PostgreSQL's
 * {@code inference_results} (rows the job wrote, bucketed by {@code submitted_at}), for
 * {@code GET /v1/admin/stats}. One scan of the last hour (index on {@code submitted_at}, V3),
 * read-only with a statement timeout ({@link ReadOnlySql}).
 */
public final class JdbcRequestCounts {

    /**
     * Rows written before results recorded their priority (V24) are counted under this name in
     * {@code byPriority}, so that each breakdown still adds up to the total.
     */
    public static final String UNRECORDED_PRIORITY = "unrecorded";

    /** Counts in one window: total, by status, by model, by priority (each sorted by name). */
    public record Window(long total, Map<String, Long> byStatus, Map<String, Long> byModel,
                         Map<String, Long> byPriority) {}

    public record Counts(Window lastMinute, Window lastHour) {}

    private final DataSource dataSource;
    private final Duration queryTimeout;

    public JdbcRequestCounts(DataSource dataSource, Duration queryTimeout) {
        this.dataSource = dataSource;
        this.queryTimeout = queryTimeout;
    }

    /** @throws RequestStore.StoreUnavailableException if PostgreSQL cannot answer */
    public Counts at(Instant now) {
        String sql = "SELECT status, model, priority, count(*) AS hour,"
                + " count(*) FILTER (WHERE submitted_at >= ?) AS minute FROM inference_results"
                + " WHERE submitted_at >= ? AND submitted_at <= ? GROUP BY status, model, priority";
        Tally minuteWindow = new Tally();
        Tally hourWindow = new Tally();
        ReadOnlySql.query(dataSource, queryTimeout, c -> {
            try (PreparedStatement s = c.prepareStatement(sql)) {
                s.setObject(1, now.minus(Duration.ofMinutes(1)).atOffset(ZoneOffset.UTC));
                s.setObject(2, now.minus(Duration.ofHours(1)).atOffset(ZoneOffset.UTC));
                s.setObject(3, now.atOffset(ZoneOffset.UTC));
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) {
                        String status = r.getString("status");
                        String model = r.getString("model");
                        String priority = r.getString("priority");
                        long hour = r.getLong("hour");
                        long minute = r.getLong("minute");
                        add(hourWindow, status, model, priority, hour);
                        add(minuteWindow, status, model, priority, minute);
                    }
                }
            }
            return null;
        });
        return new Counts(minuteWindow.window(), hourWindow.window());
    }

    private static final class Tally {
        long total;
        final Map<String, Long> byStatus = new TreeMap<>();
        final Map<String, Long> byModel = new TreeMap<>();
        final Map<String, Long> byPriority = new TreeMap<>();

        Window window() {
            return new Window(total, byStatus, byModel, byPriority);
        }
    }

    private static void add(Tally tally, String status, String model, String priority, long count) {
        if (count > 0) {
            tally.total += count;
            tally.byStatus.merge(status, count, Long::sum);
            tally.byModel.merge(model, count, Long::sum);
            tally.byPriority.merge(priority == null ? UNRECORDED_PRIORITY : priority, count, Long::sum);
        }
    }
}
