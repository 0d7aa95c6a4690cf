package dev.streaminfer.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Validation, limits, auth and error shapes over HTTP against the real services: every bad input
 * gets its status and code, never a 500, and never a Kafka record.
 */
class HttpContractITCase {

    private static final String MARK = "no-record-" + UUID.randomUUID();
    private static TestHttp http;
    private static TopicReader requests;

    @BeforeAll
    static void setUp() {
        http = SharedApi.http();
        requests = new TopicReader(SharedApi.endpoints().kafkaBootstrapServers(), "inference-requests");
    }

    @AfterAll
    static void tearDown() {
        requests.close();
    }

    private static void expect(TestHttp.Response r, int status, String code) {
        assertThat(r.status()).as(r.body()).isEqualTo(status);
        assertThat(r.header("Content-Type")).startsWith("application/json");
        assertThat(r.errorCode()).as(r.body()).isEqualTo(code);
        assertThat(r.json().path("error").path("message").asText()).isNotBlank();
    }

    @Test
    void invalid_bodies_get_their_status_and_code_and_write_nothing_to_kafka() {
        String tooLong = "word ".repeat(400) + MARK;
        String[][] cases = {
                {"", "400", "not_json"},
                {"{\"inputs\":[\"" + MARK + "\"", "400", "not_json"},
                {"[\"" + MARK + "\"]", "400", "wrong_type"},
                {"{\"inputs\":\"" + MARK + "\"}", "400", "wrong_type"},
                {"{\"inputs\":[\"" + MARK + "\", 1]}", "400", "wrong_type"},
                {"{\"model\":\"nope\",\"inputs\":[\"" + MARK + "\"]}", "404", "unknown_model"},
                {"{\"inputs\":[]}", "400", "invalid_request"},
                {"{\"model\":\"all-minilm-l6-v2-q\"}", "400", "missing_field"},
                {"{\"inputs\":[" + ("\"" + MARK + "\",").repeat(256) + "\"x\"]}", "400", "too_many_inputs"},
                {"{\"inputs\":[\"" + tooLong + "\"]}", "400", "input_too_long"},
                {"{\"inputs\":[\"" + MARK + "\"],\"priority\":\"asap\"}", "400", "invalid_request"},
                {"{\"inputs\":[\"" + MARK + "\"],\"timeout_ms\":5}", "400", "invalid_request"},
                {"{\"inputs\":[\"" + MARK + "\"],\"timeout_ms\":\"5000\"}", "400", "wrong_type"},
                {"{\"inputs\":[\"" + MARK + "\"],\"x\":" + "[".repeat(100) + "]".repeat(100) + "}", "400", "invalid_request"},
                {"{\"inputs\":[\"" + MARK + "\"],\"timeout_ms\":" + "9".repeat(200) + "}", "400", "invalid_request"},
                {"{\"inputs\":[\"" + MARK + "\"],\"extra\":true}", "400", "invalid_request"},
        };
        for (String[] c : cases) {
            expect(http.post("/v1/inference", SharedApi.ALICE, c[0]), Integer.parseInt(c[1]), c[2]);
        }
        expect(http.post("/v1/inference?wait_ms=30001", SharedApi.ALICE, "{\"inputs\":[\"" + MARK + "\"]}"),
                400, "invalid_request");
        expect(http.post("/v1/inference?wait_ms=soon", SharedApi.ALICE, "{\"inputs\":[\"" + MARK + "\"]}"),
                400, "invalid_request");
        expect(http.post("/v1/inference", SharedApi.ALICE, "{\"inputs\":[\"" + MARK + "\"]}",
                "Idempotency-Key", "x".repeat(300)), 400, "invalid_request");

        assertThat(requests.collect(r -> new String(r.value(), StandardCharsets.UTF_8).contains(MARK),
                Duration.ofSeconds(2))).isEmpty();
    }

    @Test
    void body_over_one_mib_is_413_with_or_without_content_length() throws IOException {
        String big = "{\"inputs\":[\"" + "a".repeat((1 << 20) + 10) + "\"]}";
        expect(http.post("/v1/inference", SharedApi.ALICE, big), 413, "payload_too_large");

        // Chunked: no Content-Length, and the client keeps sending far more than the limit.
        String status = rawChunkedPost(8 << 20);
        assertThat(status).startsWith("HTTP/1.1 413");
        assertThat(status).contains("payload_too_large");
    }

    /** Sends a chunked body of {@code total} bytes (stopping early if the server closes) and returns the answer. */
    private static String rawChunkedPost(int total) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", SharedApi.get().port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/inference HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + SharedApi.ALICE
                    + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = new byte[64 * 1024];
            java.util.Arrays.fill(chunk, (byte) 'a');
            try {
                out.write(("4\r\n{\"a\"\r\n").getBytes(StandardCharsets.US_ASCII));
                for (int sent = 0; sent < total; sent += chunk.length) {
                    out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.write(chunk);
                    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                }
                out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            } catch (IOException closedByServer) {
                // expected: the server answered and closed before we finished
            }
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            byte[] buf = new byte[4096];
            int n;
            try {
                while ((n = in.read(buf)) > 0 && answer.size() < 64 * 1024) {
                    answer.write(buf, 0, n);
                    if (answer.toString(StandardCharsets.UTF_8).contains("}}")) {
                        break;
                    }
                }
            } catch (IOException reset) {
                // a reset after the answer is fine
            }
            return answer.toString(StandardCharsets.UTF_8);
        }
    }

    @Test
    void missing_unknown_and_malformed_keys_are_401_with_www_authenticate() {
        for (String key : new String[] {null, "wrong-key"}) {
            TestHttp.Response r = http.post("/v1/inference", key, "{\"inputs\":[\"x\"]}");
            expect(r, 401, "unauthorized");
            assertThat(r.header("WWW-Authenticate")).isEqualTo("Bearer");
        }
        expect(http.send("GET", "/v1/usage", null, null, "Authorization", "Basic Zm9vOmJhcg=="), 401, "unauthorized");
        expect(http.get("/v1/models", null), 401, "unauthorized");
        expect(http.get("/v1/requests/x", null), 401, "unauthorized");
    }

    @Test
    void admin_routes_need_an_admin_key() {
        expect(http.put("/v1/admin/quotas/it-bob", SharedApi.ALICE, "{\"plan\":\"pro\"}"), 403, "forbidden");
    }

    @Test
    void unknown_routes_and_methods_answer_in_the_error_shape() {
        expect(http.get("/v2/nothing", SharedApi.ALICE), 404, "not_found");
        expect(http.send("PATCH", "/v1/inference", SharedApi.ALICE, "{}"), 405, "method_not_allowed");
        expect(http.get("/v1/inference", SharedApi.ALICE), 405, "method_not_allowed");
    }

    @Test
    void errors_jetty_answers_itself_use_the_error_shape_too() throws IOException {
        try (Socket socket = new Socket("127.0.0.1", SharedApi.get().port())) {
            socket.setSoTimeout(5_000);
            socket.getOutputStream().write(("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(40_000)
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String answer = new String(socket.getInputStream().readNBytes(600), StandardCharsets.UTF_8);
            assertThat(answer).startsWith("HTTP/1.1 431").contains("{\"error\":{\"code\":\"invalid_request\"");
        }
    }

    @Test
    void models_lists_name_dimensions_and_token_limit() {
        JsonNode models = http.get("/v1/models", SharedApi.ALICE).json();
        assertThat(models.path("default_model").asText()).isEqualTo("all-minilm-l6-v2-q");
        assertThat(models.path("models")).anySatisfy(m -> {
            assertThat(m.path("name").asText()).isEqualTo("bge-small-en-v15-q");
            assertThat(m.path("dimensions").asInt()).isEqualTo(384);
            assertThat(m.path("max_input_tokens").asInt()).isEqualTo(512);
        });
    }

    @Test
    void metrics_count_requests_by_route_and_status_and_time_kafka_writes() {
        http.post("/v1/inference", SharedApi.ALICE, "{\"inputs\":[\"counted\"]}");
        http.get("/v1/requests/unknown-id-for-metrics", SharedApi.ALICE);
        TestHttp.Response r = http.get("/metrics", null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).startsWith("text/plain");
        assertThat(r.body())
                .contains("ingest_http_requests_total{method=\"POST\",route=\"/v1/inference\",status=\"202\"}")
                .contains("route=\"/v1/requests/{id}\",status=\"404\"")
                .contains("ingest_http_request_duration_seconds_bucket")
                .contains("ingest_kafka_produce_duration_seconds_count{topic=\"inference-requests\"}")
                .contains("ingest_waiting_clients")
                .doesNotContain("unknown-id-for-metrics");
    }

    @Test
    void keys_and_input_texts_never_reach_the_logs() {
        String secretText = "confidential-" + UUID.randomUUID();
        try (LogCapture logs = new LogCapture()) {
            http.post("/v1/inference", SharedApi.ALICE, "{\"inputs\":[\"" + secretText + "\"]}");
            http.post("/v1/inference", SharedApi.ALICE, "{\"inputs\":[\"" + secretText + "\", 5]}");
            http.post("/v1/inference", SharedApi.ALICE, "{\"inputs\":[\"" + "w ".repeat(600) + secretText + "\"]}");
            http.post("/v1/inference", "leaked-" + secretText, "{\"inputs\":[\"x\"]}");
            http.post("/v1/inference", SharedApi.ALICE, "{\"inputs\":[\"" + secretText);
            List<String> lines = logs.lines;
            assertThat(lines).noneMatch(l -> l.contains(secretText) || l.contains(SharedApi.ALICE));
        }
    }

    @Test
    void no_500_for_garbage_anywhere() {
        String[] bodies = {"\u0000\u0001", "{\"inputs\":[\"\\ud800\"]}", "{\"inputs\":[\"a\"]}garbage", "null",
                "{\"inputs\":[\"a\"],\"inputs\":[\"b\"]}", "1e999999", "{\"model\":null,\"inputs\":[\"x\"]}"};
        for (String body : bodies) {
            TestHttp.Response r = http.post("/v1/inference", SharedApi.ALICE, body);
            assertThat(r.status()).as(body + " -> " + r.body()).isLessThan(500);
        }
        for (String path : new String[] {"/v1/requests/%00", "/v1/requests/" + "x".repeat(2000),
                "/v1/requests/..%2F..%2Fetc", "/v1/admin/quotas/%20"}) {
            assertThat(http.get(path, SharedApi.ALICE).status()).as(path).isLessThan(500);
            assertThat(http.delete(path, SharedApi.ALICE).status()).as(path).isLessThan(500);
        }
        assertThat(http.put("/v1/admin/quotas/%20", SharedApi.ADMIN, "{\"plan\":\"pro\"}").status()).isEqualTo(400);
    }
}
