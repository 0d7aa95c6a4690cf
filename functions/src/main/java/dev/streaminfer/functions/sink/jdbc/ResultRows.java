package dev.streaminfer.functions.sink.jdbc;

import dev.streaminfer.contract.model.InferenceResult;
import dev.streaminfer.contract.telemetry.Tracing;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import org.apache.flink.connector.jdbc.JdbcStatementBuilder;

/**
 * How a result becomes its row in {@code inference_results}. The upsert is idempotent by
 * {@code request_id} and the <b>last write wins</b>: after a failure Flink replays from the last
 * checkpoint, and a decision that depends on time or on Redis (deadline, cancel) may come out
 * differently the second time. The replay's outcome is the one the committed results topic and
 * the restored quota state reflect, so the row must take it too, never keep the first attempt's.
 *
 * <p>The JDBC sink calls the binder once per record right before it executes the batch; that is
 * where the {@value #SPAN} client span of each request's trace is recorded (tracing on only).
 */
public final class ResultRows {

    public static final String UPSERT_SQL =
            "INSERT INTO inference_results (request_id, user_id, model, status, input_tokens,"
                    + " charged_tokens, error_code, submitted_at, completed_at, embeddings, priority)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?)"
                    + " ON CONFLICT (request_id) DO UPDATE SET"
                    + " user_id = EXCLUDED.user_id, model = EXCLUDED.model, status = EXCLUDED.status,"
                    + " input_tokens = EXCLUDED.input_tokens, charged_tokens = EXCLUDED.charged_tokens,"
                    + " error_code = EXCLUDED.error_code, submitted_at = EXCLUDED.submitted_at,"
                    + " completed_at = EXCLUDED.completed_at, embeddings = EXCLUDED.embeddings,"
                    + " priority = EXCLUDED.priority";

    public static final String SPAN = "postgres upsert inference_results";

    private ResultRows() {}

    /**
     * Binds a result; embeddings are stored only when asked, as they dominate the row size. With
     * tracing on, each bind records a client span in the request's trace (its parent is the
     * result's {@code traceparent}).
     */
    public static JdbcStatementBuilder<InferenceResult> binder(boolean storeEmbeddings) {
        return (statement, result) -> bindTraced(statement, result, storeEmbeddings);
    }

    static void bindTraced(PreparedStatement statement, InferenceResult result, boolean storeEmbeddings)
            throws SQLException {
        Tracing.sinkWrite(SPAN, "db.system", "postgresql", result, () -> {
            bind(statement, result, storeEmbeddings);
            return null;
        });
    }

    static void bind(PreparedStatement statement, InferenceResult result, boolean storeEmbeddings)
            throws SQLException {
        statement.setString(1, result.requestId());
        statement.setString(2, result.userId());
        statement.setString(3, result.model());
        statement.setString(4, result.status().wireName());
        statement.setInt(5, result.inputTokens());
        statement.setInt(6, result.chargedTokens());
        statement.setString(7, result.errorCode());
        statement.setTimestamp(8, new Timestamp(result.submittedAt()));
        if (result.completedAt() > 0) {
            statement.setTimestamp(9, new Timestamp(result.completedAt()));
        } else {
            statement.setNull(9, Types.TIMESTAMP);
        }
        if (storeEmbeddings && result.embeddings() != null) {
            statement.setString(10, embeddingsJson(result.embeddings()));
        } else {
            statement.setNull(10, Types.VARCHAR);
        }
        statement.setString(11, result.priority() == null ? null : result.priority().wireName());
    }

    static String embeddingsJson(float[][] embeddings) {
        StringBuilder sb = new StringBuilder(embeddings.length * 384 * 12).append('[');
        for (int i = 0; i < embeddings.length; i++) {
            if (i > 0) sb.append(',');
            sb.append('[');
            for (int j = 0; j < embeddings[i].length; j++) {
                if (j > 0) sb.append(',');
                sb.append(embeddings[i][j]);
            }
            sb.append(']');
        }
        return sb.append(']').toString();
    }
}
