package dev.streaminfer.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streaminfer.api.auth.ApiKeyStore;
import dev.streaminfer.localstack.ServiceEndpoints;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /v1/requests} over the real PostgreSQL: the test writes rows into
 * {@code inference_results} as the job's JDBC sink does, then pages through them over HTTP.
 */
class RequestListingITCase {

    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00.123456Z");

    private final TestHttp http = SharedApi.http();

    record Row(String requestId, String status, Instant submittedAt) {}

    /** A user of its own, with key {@code "k-" + user}. */
    private static String newUser(String prefix) {
        String user = prefix + "-" + UUID.randomUUID();
        ServiceEndpoints e = SharedApi.endpoints();
        ApiKeyStore.upsert(e.postgresUrl(), e.postgresUser(), e.postgresPassword(), "k-" + user, user, "user", "free");
        return user;
    }

    private static void insert(String user, List<Row> rows) throws SQLException {
        ServiceEndpoints e = SharedApi.endpoints();
        try (Connection c = DriverManager.getConnection(e.postgresUrl(), e.postgresUser(), e.postgresPassword());
             PreparedStatement s = c.prepareStatement("INSERT INTO inference_results (request_id, user_id, model,"
                     + " priority, status, input_tokens, charged_tokens, error_code, submitted_at, completed_at)"
                     + " VALUES (?, ?, 'all-minilm-l6-v2-q', 'high', ?, 7, ?, ?, ?, ?)")) {
            for (Row row : rows) {
                s.setString(1, row.requestId());
                s.setString(2, user);
                s.setString(3, row.status());
                s.setInt(4, row.status().equals("completed") ? 7 : 0);
                s.setString(5, row.status().equals("failed") ? "inference_failed" : null);
                s.setTimestamp(6, Timestamp.from(row.submittedAt()));
                s.setTimestamp(7, Timestamp.from(row.submittedAt().plusMillis(250)));
                s.addBatch();
            }
            s.executeBatch();
        }
    }

    /** Rows a minute apart, two sharing a submitted_at (the tie the cursor must break). */
    private static List<Row> rowsOf(String user) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            rows.add(new Row(user + "-r" + i, i % 3 == 0 ? "failed" : "completed", T0.plusSeconds(60L * Math.min(i, 5))));
        }
        return rows;
    }

    private static List<String> newestFirst(List<Row> rows) {
        return rows.stream().sorted(Comparator.comparing(Row::submittedAt).thenComparing(Row::requestId).reversed())
                .map(Row::requestId).toList();
    }

    /** Every page's ids, following next_cursor to the end. */
    private List<List<String>> allPages(String query, String key) {
        List<List<String>> pages = new ArrayList<>();
        String cursor = null;
        do {
            TestHttp.Response r = http.get("/v1/requests?" + query
                    + (cursor == null ? "" : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8)), key);
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            List<String> ids = new ArrayList<>();
            r.json().path("data").forEach(item -> ids.add(item.path("request_id").asText()));
            pages.add(ids);
            JsonNode next = r.json().path("next_cursor");
            cursor = next.isNull() ? null : next.asText();
        } while (cursor != null && pages.size() < 20);
        return pages;
    }

    @Test
    void pagesGoNewestFirstWithoutGapsOrRepeatsAcrossTies() throws Exception {
        String user = newUser("list");
        List<Row> rows = rowsOf(user);
        insert(user, rows);

        List<List<String>> pages = allPages("limit=3", "k-" + user);
        assertThat(pages).extracting(List::size).containsExactly(3, 3, 1);
        assertThat(pages.stream().flatMap(List::stream).toList()).isEqualTo(newestFirst(rows));
    }

    @Test
    void anItemCarriesTheRowsFacts() throws Exception {
        String user = newUser("list-item");
        insert(user, List.of(new Row(user + "-f", "failed", T0)));

        JsonNode page = http.get("/v1/requests", "k-" + user).json();
        assertThat(page.path("next_cursor").isNull()).isTrue();
        JsonNode item = page.path("data").get(0);
        assertThat(item.path("request_id").asText()).isEqualTo(user + "-f");
        assertThat(item.path("user_id").asText()).isEqualTo(user);
        assertThat(item.path("model").asText()).isEqualTo("all-minilm-l6-v2-q");
        assertThat(item.path("priority").asText()).isEqualTo("high");
        assertThat(item.path("status").asText()).isEqualTo("failed");
        assertThat(item.at("/usage/input_tokens").asInt()).isEqualTo(7);
        assertThat(item.at("/usage/charged_tokens").asInt()).isZero();
        assertThat(item.at("/error/code").asText()).isEqualTo("inference_failed");
        assertThat(item.path("submitted_at").asText()).isEqualTo("2026-12-01T10:00:00.123456Z");
        assertThat(item.path("completed_at").asText()).isEqualTo("2026-12-01T10:00:00.373456Z");
        assertThat(item.path("latency_ms").asLong()).isEqualTo(250);
        assertThat(item.path("status_url").asText()).isEqualTo("/v1/requests/" + user + "-f");
        assertThat(item.has("result")).as("no vectors in a listing").isFalse();
    }

    @Test
    void statusAndTimeWindowFilterTheRows() throws Exception {
        String user = newUser("list-filter");
        List<Row> rows = rowsOf(user);
        insert(user, rows);

        List<String> failed = allPages("status=failed&limit=2", "k-" + user).stream().flatMap(List::stream).toList();
        assertThat(failed).isEqualTo(newestFirst(rows.stream().filter(r -> r.status().equals("failed")).toList()));

        // since inclusive, until exclusive: minutes 1, 2, 3
        String window = "since=" + T0.plusSeconds(60) + "&until=" + T0.plusSeconds(240);
        List<String> inWindow = allPages(window, "k-" + user).stream().flatMap(List::stream).toList();
        assertThat(inWindow).containsExactly(user + "-r3", user + "-r2", user + "-r1");
    }

    @Test
    void aUserSeesOnlyTheirOwnAndAnAdminMayNameAUser() throws Exception {
        String alice = newUser("list-alice");
        String bob = newUser("list-bob");
        insert(alice, rowsOf(alice));
        insert(bob, rowsOf(bob));

        List<String> bobs = allPages("limit=2", "k-" + bob).stream().flatMap(List::stream).toList();
        assertThat(bobs).hasSize(7).allMatch(id -> id.startsWith(bob));

        // alice's cursor in bob's hands pages bob's rows only
        String aliceCursor = http.get("/v1/requests?limit=2", "k-" + alice).json().path("next_cursor").asText();
        TestHttp.Response withForeignCursor = http.get("/v1/requests?cursor=" + aliceCursor, "k-" + bob);
        assertThat(withForeignCursor.status()).isEqualTo(200);
        withForeignCursor.json().path("data").forEach(item -> assertThat(item.path("user_id").asText()).isEqualTo(bob));

        TestHttp.Response asAdmin = http.get("/v1/requests?limit=100&user_id=" + alice, SharedApi.ADMIN);
        assertThat(asAdmin.status()).isEqualTo(200);
        assertThat(asAdmin.json().path("data")).hasSize(7)
                .allMatch(item -> item.path("user_id").asText().equals(alice));

        TestHttp.Response bobNamingAlice = http.get("/v1/requests?user_id=" + alice, "k-" + bob);
        assertThat(bobNamingAlice.status()).isEqualTo(403);
        assertThat(bobNamingAlice.errorCode()).isEqualTo("forbidden");
    }

    @Test
    void badParametersAnswer400WithTheStandardErrorBodyAndNoKey401() {
        for (String query : List.of("limit=0", "limit=abc", "status=done", "since=yesterday", "until=12",
                "cursor=bogus", "since=2026-12-02T00:00:00Z&until=2026-12-01T00:00:00Z")) {
            TestHttp.Response r = http.get("/v1/requests?" + query, SharedApi.ALICE);
            assertThat(r.status()).as(query + " -> " + r.body()).isEqualTo(400);
            assertThat(r.errorCode()).as(query).isEqualTo("invalid_request");
            assertThat(r.json().path("error").path("message").asText()).as(query).isNotBlank();
        }
        TestHttp.Response anonymous = http.get("/v1/requests", null);
        assertThat(anonymous.status()).isEqualTo(401);
        assertThat(anonymous.errorCode()).isEqualTo("unauthorized");
    }
}
