package dev.streaminfer.backfill;

import dev.streaminfer.contract.model.InferenceResult;
import dev.streaminfer.functions.sink.jdbc.ResultRows;
import java.io.Serializable;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.regex.Pattern;
import org.apache.flink.connector.jdbc.JdbcStatementBuilder;

/**
 * A backfill's rows in PostgreSQL (migration V22, sql/README.md "Backfills"). Each document's
 * outcome is the job's own {@code inference_results} row, written by the job's upsert
 * ({@link ResultRows}, embeddings stored), under the request id
 * {@code backfill:<run_id>:<document id>} and the backfill's admin user: so a backfill counts in
 * {@code usage_daily}, {@code cost_daily} and the other usage views as that user's usage, and
 * re-running or resuming a run overwrites its rows instead of adding new ones. The run itself is a
 * row of {@code backfill_runs}; the view {@code backfill_results} reads a run's rows by document id.
 */
public final class PostgresResults implements Serializable {

    public static final String REQUEST_ID_PREFIX = "backfill:";
    /** Run ids never contain ':', so the document id is everything after the second ':'. */
    public static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9._-]{1,100}");

    static final String START_RUN_SQL =
            "INSERT INTO backfill_runs (run_id, user_id, model, input_file, output_file)"
                    + " VALUES (?, ?, ?, ?, ?)"
                    + " ON CONFLICT (run_id) DO UPDATE SET resumed_at = now(), attempts = backfill_runs.attempts + 1,"
                    + " input_file = EXCLUDED.input_file, output_file = EXCLUDED.output_file, finished_at = NULL"
                    + " RETURNING user_id, model";
    static final String FINISH_RUN_SQL = "UPDATE backfill_runs SET finished_at = now() WHERE run_id = ?";

    private final String url;
    private final String user;
    private final String password;
    private final String runId;

    public PostgresResults(String url, String user, String password, String runId) {
        if (!RUN_ID.matcher(runId).matches()) {
            throw new IllegalArgumentException("run id must match " + RUN_ID.pattern() + ", got \"" + runId + "\"");
        }
        this.url = url;
        this.user = user;
        this.password = password;
        this.runId = runId;
    }

    public String url() {
        return url;
    }

    public String runId() {
        return runId;
    }

    /** A connection in manual-commit mode: each method here commits its own work. */
    public Connection connect() throws SQLException {
        Connection c = DriverManager.getConnection(url, user, password);
        c.setAutoCommit(false);
        return c;
    }

    public static String requestId(String runId, String documentId) {
        return REQUEST_ID_PREFIX + runId + ":" + documentId;
    }

    /**
     * Checks that {@code userId} holds a valid (not revoked) admin key in {@code api_keys}: a
     * backfill bypasses the per-user quotas, so only an admin may run one, and its usage is
     * recorded as that admin's.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static void requireAdmin(Connection c, String userId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT bool_or(role = 'admin') FROM api_keys WHERE user_id = ? AND revoked_at IS NULL")) {
            ps.setString(1, userId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                boolean admin = rs.getBoolean(1);
                if (rs.wasNull()) {
                    throw new IllegalArgumentException("user \"" + userId + "\" has no valid API key in api_keys");
                }
                if (!admin) {
                    throw new IllegalArgumentException("user \"" + userId + "\" is not an admin (role in api_keys);"
                            + " a backfill runs under an admin identity");
                }
            }
        }
    }

    /**
     * Records the run's start (or a resume of it).
     *
     * @throws IllegalArgumentException if the run id already belongs to another user or model
     */
    public void startRun(Connection c, String userId, String model, String inputFile, String outputFile)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(START_RUN_SQL)) {
            ps.setString(1, runId);
            ps.setString(2, userId);
            ps.setString(3, model);
            ps.setString(4, inputFile);
            ps.setString(5, outputFile);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (!rs.getString(1).equals(userId) || !rs.getString(2).equals(model)) {
                    c.rollback();
                    throw new IllegalArgumentException("run \"" + runId + "\" was started by " + rs.getString(1)
                            + " with model " + rs.getString(2) + "; choose another --run-id");
                }
            }
        }
        c.commit();
    }

    public void finishRun(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(FINISH_RUN_SQL)) {
            ps.setString(1, runId);
            ps.executeUpdate();
        }
        c.commit();
    }

    /** Upserts the documents' rows in one transaction (outcomes of lines without an id have none). */
    public void upsert(Connection c, List<Outcome> outcomes) throws SQLException {
        JdbcStatementBuilder<InferenceResult> binder = ResultRows.binder(true);
        try (PreparedStatement ps = c.prepareStatement(ResultRows.UPSERT_SQL)) {
            int rows = 0;
            for (Outcome o : outcomes) {
                InferenceResult r = o.result();
                if (r.requestId() == null) {
                    continue;
                }
                binder.accept(ps, new InferenceResult(requestId(runId, r.requestId()), r.userId(), r.model(),
                        r.priority(), r.status(), r.inputTokens(), r.chargedTokens(), r.embeddings(), r.errorCode(),
                        r.errorMessage(), r.retryAfterMs(), r.submittedAt(), r.completedAt(), r.traceparent()));
                ps.addBatch();
                rows++;
            }
            if (rows > 0) {
                ps.executeBatch();
            }
        }
        c.commit();
    }
}
