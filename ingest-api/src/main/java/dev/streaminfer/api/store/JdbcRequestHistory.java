package dev.streaminfer.api.store;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streaminfer.api.request.ListQuery;
import dev.streaminfer.api.request.PageCursor;
import dev.streaminfer.contract.serde.Json;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * {@code GET /v1/requests} from PostgreSQL's {@code inference_results} (the job writes a row when a
 * request ends): one user's rows, newest first, by keyset pagination on
 * {@code (submitted_at, request_id)} (index {@code inference_results_user_submitted_id}, V23), so
 * a page costs the same however deep it is and rows written meanwhile never shift a page.
 * Each query runs read-only with a statement timeout ({@link ReadOnlySql}).
 */
public final class JdbcRequestHistory {

    /** One listed request (no vectors: a page stays small; GET /v1/requests/{id} has them). */
    /** @param priority null for rows written before results recorded it (V24) */
    public record Entry(String requestId, String userId, String model, String priority, String status,
                        int inputTokens, int chargedTokens, String errorCode, Instant submittedAt,
                        Instant completedAt, Long latencyMs) {}

    /** @param next null on the last page */
    public record Page(List<Entry> entries, PageCursor next) {}

    private final DataSource dataSource;
    private final Duration queryTimeout;

    public JdbcRequestHistory(DataSource dataSource, Duration queryTimeout) {
        this.dataSource = dataSource;
        this.queryTimeout = queryTimeout;
    }

    /** @throws RequestStore.StoreUnavailableException if PostgreSQL cannot answer */
    public Page page(ListQuery query) {
        StringBuilder sql = new StringBuilder("SELECT request_id, user_id, model, priority, status, input_tokens,"
                + " charged_tokens, error_code, submitted_at, completed_at, latency_ms"
                + " FROM inference_results WHERE user_id = ?");
        List<Object> args = new ArrayList<>();
        args.add(query.userId());
        if (query.status() != null) {
            sql.append(" AND status = ?");
            args.add(query.status().wireName());
        }
        if (query.since() != null) {
            sql.append(" AND submitted_at >= ?");
            args.add(timestamp(query.since()));
        }
        if (query.until() != null) {
            sql.append(" AND submitted_at < ?");
            args.add(timestamp(query.until()));
        }
        if (query.after() != null) {
            sql.append(" AND (submitted_at, request_id) < (?, ?)");
            args.add(timestamp(Instant.EPOCH.plus(query.after().submittedAtMicros(), ChronoUnit.MICROS)));
            args.add(query.after().requestId());
        }
        sql.append(" ORDER BY submitted_at DESC, request_id DESC LIMIT ?");
        args.add(query.limit() + 1); // one more than asked: whether a next page exists

        List<Entry> entries = ReadOnlySql.query(dataSource, queryTimeout, c -> {
            List<Entry> rows = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement(sql.toString())) {
                for (int i = 0; i < args.size(); i++) {
                    s.setObject(i + 1, args.get(i));
                }
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) {
                        rows.add(entry(r));
                    }
                }
            }
            return rows;
        });
        if (entries.size() <= query.limit()) {
            return new Page(entries, null);
        }
        List<Entry> page = entries.subList(0, query.limit());
        Entry last = page.get(page.size() - 1);
        return new Page(List.copyOf(page), new PageCursor(micros(last.submittedAt()), last.requestId()));
    }

    private static Entry entry(ResultSet r) throws SQLException {
        OffsetDateTime completed = r.getObject("completed_at", OffsetDateTime.class);
        long latency = r.getLong("latency_ms");
        Long latencyMs = r.wasNull() ? null : latency;
        return new Entry(r.getString("request_id"), r.getString("user_id"), r.getString("model"),
                r.getString("priority"), r.getString("status"), r.getInt("input_tokens"), r.getInt("charged_tokens"),
                r.getString("error_code"), r.getObject("submitted_at", OffsetDateTime.class).toInstant(),
                completed == null ? null : completed.toInstant(), latencyMs);
    }

    private static OffsetDateTime timestamp(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }

    static long micros(Instant instant) {
        return ChronoUnit.MICROS.between(Instant.EPOCH, instant);
    }

    /** The body of {@code GET /v1/requests}: {@code {"data": [...], "next_cursor": "..." | null}}. */
    public static ObjectNode toJson(Page page) {
        ObjectNode root = Json.mapper().createObjectNode();
        ArrayNode data = root.putArray("data");
        for (Entry e : page.entries()) {
            ObjectNode item = data.addObject();
            item.put("request_id", e.requestId());
            item.put("user_id", e.userId());
            item.put("model", e.model());
            item.put("priority", e.priority());
            item.put("status", e.status());
            ObjectNode usage = item.putObject("usage");
            usage.put("input_tokens", e.inputTokens());
            usage.put("charged_tokens", e.chargedTokens());
            if (e.errorCode() != null) {
                item.putObject("error").put("code", e.errorCode());
            } else {
                item.putNull("error");
            }
            item.put("submitted_at", e.submittedAt().toString());
            item.put("completed_at", e.completedAt() == null ? null : e.completedAt().toString());
            if (e.latencyMs() != null) {
                item.put("latency_ms", e.latencyMs());
            } else {
                item.putNull("latency_ms");
            }
            item.put("status_url", "/v1/requests/" + e.requestId());
        }
        root.put("next_cursor", page.next() == null ? null : page.next().encode());
        return root;
    }
}
