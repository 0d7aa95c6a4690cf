package dev.streaminfer.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streaminfer.contract.model.InferenceRequest;
import dev.streaminfer.contract.model.InferenceResult;
import dev.streaminfer.contract.model.Priority;
import dev.streaminfer.contract.model.RequestStatus;
import dev.streaminfer.contract.serde.InferenceRequestCodec;
import dev.streaminfer.contract.serde.ResultDocumentCodec;
import dev.streaminfer.contract.redis.RedisKeys;
import io.lettuce.core.SetArgs;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The happy path over real Kafka, PostgreSQL and Redis: accept, read back, wait for a result. */
class SubmitAndStatusITCase {

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

    @Test
    void accepted_request_is_on_kafka_keyed_by_user_and_readable_as_queued() {
        String traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        TestHttp.Response r = http.post("/v1/inference", SharedApi.ALICE,
                "{\"inputs\":[\"hello world\",\"second text\"],\"priority\":\"high\",\"timeout_ms\":5000}",
                "traceparent", traceparent);

        assertThat(r.status()).as(r.body()).isEqualTo(202);
        String id = r.json().path("request_id").asText();
        assertThat(r.json().path("status").asText()).isEqualTo("queued");
        assertThat(r.json().path("status_url").asText()).isEqualTo("/v1/requests/" + id);

        List<ConsumerRecord<byte[], byte[]>> records = requests.await(rec -> decode(rec).requestId().equals(id), 1,
                Duration.ofSeconds(10));
        assertThat(records).hasSize(1);
        ConsumerRecord<byte[], byte[]> record = records.get(0);
        assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo("it-alice");
        assertThat(new String(record.headers().lastHeader("traceparent").value(), StandardCharsets.US_ASCII))
                .isEqualTo(traceparent);
        InferenceRequest request = decode(record);
        assertThat(request.userId()).isEqualTo("it-alice");
        assertThat(request.model()).isEqualTo("all-minilm-l6-v2-q");
        assertThat(request.inputs()).containsExactly("hello world", "second text");
        assertThat(request.deadline() - request.submittedAt()).isEqualTo(5000);

        TestHttp.Response status = http.get("/v1/requests/" + id, SharedApi.ALICE);
        assertThat(status.status()).isEqualTo(200);
        assertThat(status.json().path("status").asText()).isEqualTo("queued");
        assertThat(status.json().path("user_id").asText()).isEqualTo("it-alice");
        assertThat(status.json().path("usage").path("input_tokens").asInt()).isPositive();
    }

    @Test
    void another_users_request_answers_like_an_unknown_one() {
        String id = http.post("/v1/inference", SharedApi.ALICE, "{\"inputs\":[\"mine\"]}").json()
                .path("request_id").asText();

        TestHttp.Response bobs = http.get("/v1/requests/" + id, SharedApi.BOB);
        TestHttp.Response unknown = http.get("/v1/requests/no-such-request", SharedApi.BOB);

        assertThat(bobs.status()).isEqualTo(404);
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(bobs.body()).isEqualTo(unknown.body());
        assertThat(http.delete("/v1/requests/" + id, SharedApi.BOB).body()).isEqualTo(unknown.body());
    }

    @Test
    void result_document_written_by_the_job_is_served() {
        String id = http.post("/v1/inference", SharedApi.ALICE, "{\"inputs\":[\"done soon\"]}").json()
                .path("request_id").asText();
        writeResult(id, "it-alice", RequestStatus.COMPLETED);

        JsonNode doc = http.get("/v1/requests/" + id, SharedApi.ALICE).json();

        assertThat(doc.path("status").asText()).isEqualTo("completed");
        assertThat(doc.path("result").path("embeddings").get(0).size()).isEqualTo(3);
    }

    @Test
    void wait_ms_answers_200_as_soon_as_the_result_is_written() throws Exception {
        String id = http.post("/v1/inference", SharedApi.ALICE, "{\"inputs\":[\"wait for me\"]}").json()
                .path("request_id").asText();
        // A second request for the same id cannot be made, so wait through an idempotent repeat.
        CompletableFuture<TestHttp.Response> waiting = CompletableFuture.supplyAsync(() ->
                http.post("/v1/inference?wait_ms=10000", SharedApi.BOB, "{\"inputs\":[\"bob waits\"]}"));
        Thread.sleep(300);
        assertThat(waiting).isNotDone();
        // Bob's request id is only known from the record on Kafka.
        String bobsId = requests.await(rec -> decode(rec).userId().equals("it-bob")
                && decode(rec).inputs()[0].equals("bob waits"), 1, Duration.ofSeconds(10)).get(0) == null
                ? null : decode(requests.await(rec -> decode(rec).inputs()[0].equals("bob waits"), 1,
                Duration.ofSeconds(5)).get(0)).requestId();
        long t0 = System.nanoTime();
        writeResult(bobsId, "it-bob", RequestStatus.COMPLETED);

        TestHttp.Response r = waiting.get(10, java.util.concurrent.TimeUnit.SECONDS);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().path("request_id").asText()).isEqualTo(bobsId);
        assertThat(r.json().path("status").asText()).isEqualTo("completed");
        assertThat(ms).as("answered after the write, not at the end of the wait").isLessThan(5_000);
        assertThat(id).isNotEqualTo(bobsId);
    }

    @Test
    void wait_ms_that_runs_out_answers_202() {
        long t0 = System.nanoTime();
        TestHttp.Response r = http.post("/v1/inference?wait_ms=300", SharedApi.ALICE, "{\"inputs\":[\"slow\"]}");
        assertThat(r.status()).isEqualTo(202);
        assertThat((System.nanoTime() - t0) / 1_000_000).isGreaterThanOrEqualTo(290);
    }

    @Test
    void health_and_readiness() {
        assertThat(http.get("/healthz", null).status()).isEqualTo(200);
        TestHttp.Response ready = http.get("/readyz", null);
        assertThat(ready.status()).as(ready.body()).isEqualTo(200);
        assertThat(ready.json().path("checks").path("kafka").asBoolean()).isTrue();
    }

    static InferenceRequest decode(ConsumerRecord<byte[], byte[]> record) {
        InferenceRequestCodec.Decoded d = InferenceRequestCodec.decode(record.value(), "x", 0, null);
        return d.isValid() ? d.request()
                : new InferenceRequest("?", "?", "?", new String[] {"?"}, null, 0, 0, 0, null);
    }

    /** Writes a result document like the job does (any test may call it). */
    static void writeResultWith(String id, String user, RequestStatus status) {
        SharedApi.redis().set(RedisKeys.result(id), resultJson(id, user, status), SetArgs.Builder.ex(600));
    }

    static String resultJson(String id, String user, RequestStatus status) {
        boolean done = status == RequestStatus.COMPLETED;
        InferenceResult result = new InferenceResult(id, user, "all-minilm-l6-v2-q", Priority.NORMAL, status, 3, done ? 3 : 0,
                done ? new float[][] {{0.1f, 0.2f, 0.3f}} : null, done ? null : "inference_failed",
                done ? null : "failed", 0, System.currentTimeMillis() - 10, System.currentTimeMillis(), null);
        return new String(ResultDocumentCodec.encode(result), StandardCharsets.UTF_8);
    }

    static void writeResult(String id, String user, RequestStatus status) {
        InferenceResult result = new InferenceResult(id, user, "all-minilm-l6-v2-q", Priority.NORMAL, status, 3, 3,
                new float[][] {{0.1f, 0.2f, 0.3f}}, null, null, 0, System.currentTimeMillis() - 10,
                System.currentTimeMillis(), null);
        SharedApi.redis().set(RedisKeys.result(id), new String(ResultDocumentCodec.encode(result), StandardCharsets.UTF_8),
                SetArgs.Builder.ex(600));
    }
}
