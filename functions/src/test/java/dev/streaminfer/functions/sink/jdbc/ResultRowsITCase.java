package dev.streaminfer.functions.sink.jdbc;

import static dev.streaminfer.functions.TestRequests.T0;
import static dev.streaminfer.functions.TestRequests.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.streaminfer.contract.model.ErrorCode;
import dev.streaminfer.contract.model.InferenceRequest;
import dev.streaminfer.contract.model.InferenceResult;
import dev.streaminfer.contract.model.Priority;
import dev.streaminfer.contract.model.RequestStatus;
import dev.streaminfer.localstack.ServiceEndpoints;
import dev.streaminfer.localstack.TestServices;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The upsert against the real {@code inference_results} table. */
class ResultRowsITCase {

    private static void write(InferenceResult result) throws Exception {
        ServiceEndpoints e = TestServices.get().endpoints();
        try (Connection c = DriverManager.getConnection(e.postgresUrl(), e.postgresUser(), e.postgresPassword());
             PreparedStatement ps = c.prepareStatement(ResultRows.UPSERT_SQL)) {
            ResultRows.binder(false).accept(ps, result);
            ps.executeUpdate();
        }
    }

    private static String[] row(String requestId) throws Exception {
        ServiceEndpoints e = TestServices.get().endpoints();
        try (Connection c = DriverManager.getConnection(e.postgresUrl(), e.postgresUser(), e.postgresPassword());
             PreparedStatement ps = c.prepareStatement(
                     "SELECT status, charged_tokens, priority, count(*) OVER () FROM inference_results"
                             + " WHERE request_id = ?")) {
            ps.setString(1, requestId);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).as("a row for " + requestId).isTrue();
                return new String[] {rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)};
            }
        }
    }

    /**
     * The first attempt expired the request (its refund was never committed); the replay after the
     * failure computed it. The row must say what the committed results and the quota state say.
     */
    @Test
    void aReplaysOutcomeReplacesTheFirstAttempts() throws Exception {
        String id = "rows-" + UUID.randomUUID();
        InferenceRequest request = request(id, "alice", "hello").withInputTokens(12);
        write(InferenceResult.unsuccessful(request, RequestStatus.EXPIRED, ErrorCode.DEADLINE_EXCEEDED,
                "deadline passed", 0, T0 + 10));
        write(InferenceResult.completed(request, new float[][] {{1f, 0f}}, 12, T0 + 20));

        assertThat(row(id)).containsExactly("completed", "12", "normal", "1");
    }

    @Test
    void writingTheSameOutcomeAgainChangesNothing() throws Exception {
        String id = "rows-" + UUID.randomUUID();
        InferenceResult completed = InferenceResult.completed(request(id, "bob", "x").withInputTokens(3),
                new float[][] {{1f}}, 3, T0 + 5);
        write(completed);
        write(completed);

        assertThat(row(id)).containsExactly("completed", "3", "normal", "1");
    }

    @Test
    void theRowKeepsTheRequestsPriority() throws Exception {
        String id = "rows-" + UUID.randomUUID();
        InferenceRequest normal = request(id, "carol", "x").withInputTokens(2);
        InferenceRequest critical = new InferenceRequest(id, normal.userId(), normal.model(), normal.inputs(),
                Priority.CRITICAL, normal.deadline(), normal.submittedAt(), 2, null);
        write(InferenceResult.unsuccessful(critical, RequestStatus.REJECTED, ErrorCode.QUOTA_EXCEEDED, "spent", 0,
                T0 + 5));

        assertThat(row(id)).containsExactly("rejected", "0", "critical", "1");
    }
}
