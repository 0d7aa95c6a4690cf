package dev.streaminfer.it.sql;

import java.math.BigDecimal;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Reads the views as sorted lists of "a|b|c" strings, in the shapes {@link SqlTestData} expects. */
final class SqlViews {

    private SqlViews() {}

    static List<String> usageDaily(Connection c, List<String> users) throws SQLException {
        return query(c, "SELECT day, user_id, model, requests, completed, rejected, expired, failed, cancelled, queued,"
                + " input_tokens, charged_tokens FROM usage_daily WHERE user_id = ANY(?)", users);
    }

    static List<String> rejections(Connection c, List<String> users) throws SQLException {
        return query(c, "SELECT day, user_id, model, status, error_code, requests, input_tokens"
                + " FROM rejections_daily WHERE user_id = ANY(?)", users);
    }

    static List<String> latency(Connection c, List<String> models, Instant from, Instant to) throws SQLException {
        return query(c, "SELECT hour, model, completed, round(p50_ms::numeric, 6), round(p95_ms::numeric, 6),"
                + " round(p99_ms::numeric, 6), avg_ms, max_ms FROM latency_hourly"
                + " WHERE model = ANY(?) AND hour >= ? AND hour < ?", models, from, to);
    }

    static List<String> costDaily(Connection c, List<String> users) throws SQLException {
        return query(c, "SELECT day, user_id, model, charged_tokens, round(cost_usd, 8), unpriced_tokens"
                + " FROM cost_daily WHERE user_id = ANY(?)", users);
    }

    static List<String> costUserModelMonth(Connection c, List<String> users) throws SQLException {
        return query(c, "SELECT month, user_id, model, charged_tokens, round(cost_usd, 8), unpriced_tokens"
                + " FROM cost_per_user_model_month WHERE user_id = ANY(?)", users);
    }

    static List<String> costUserMonth(Connection c, List<String> users) throws SQLException {
        return query(c, "SELECT month, user_id, charged_tokens, round(cost_usd, 8), unpriced_tokens"
                + " FROM cost_per_user_month WHERE user_id = ANY(?)", users);
    }

    /** In the function's own order (not re-sorted). */
    static List<String> topUsers(Connection c, Instant from, Instant to, int n) throws SQLException {
        return queryOrdered(c, "SELECT rank, user_id, requests, completed, rejected, charged_tokens, round(cost_usd, 8),"
                + " share_of_tokens FROM top_users(?, ?, ?)", from, to, n);
    }

    static List<String> perMinute(Connection c, List<String> users, Instant from, Instant to) throws SQLException {
        return query(c, "SELECT minute, user_id, model, requests, completed, rejected, charged_tokens"
                + " FROM usage_per_minute(?, ?) WHERE user_id = ANY(?)", from, to, users);
    }

    static List<String> query(Connection c, String sql, Object... params) throws SQLException {
        List<String> rows = queryOrdered(c, sql, params);
        rows.sort(null);
        return rows;
    }

    static List<String> queryOrdered(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                Object p = params[i];
                if (p instanceof List<?> list) {
                    Array array = c.createArrayOf("text", list.toArray());
                    ps.setArray(i + 1, array);
                } else if (p instanceof Instant instant) {
                    ps.setTimestamp(i + 1, Timestamp.from(instant));
                } else {
                    ps.setObject(i + 1, p);
                }
            }
            List<String> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                ResultSetMetaData md = rs.getMetaData();
                while (rs.next()) {
                    StringBuilder sb = new StringBuilder();
                    for (int col = 1; col <= md.getColumnCount(); col++) {
                        if (col > 1) {
                            sb.append('|');
                        }
                        Object v = rs.getObject(col);
                        if (v instanceof Timestamp ts) {
                            sb.append(ts.toInstant());
                        } else if (v instanceof BigDecimal bd) {
                            sb.append(bd.toPlainString());
                        } else {
                            sb.append(v);
                        }
                    }
                    out.add(sb.toString());
                }
            }
            return out;
        }
    }
}
