package dev.streaminfer.api;

import static org.assertj.core.api.Assertions.assertThat;
import dev.streaminfer.contract.serde.CancelMarkerCodec;

import dev.streaminfer.contract.model.CancelMarker;
import dev.streaminfer.api.request.ParsedInference;
import dev.streaminfer.api.service.RequestIds;
import dev.streaminfer.contract.model.Priority;
import dev.streaminfer.contract.validation.RequestLimits;
import io.lettuce.core.SetArgs;
import dev.streaminfer.contract.redis.RedisKeys;
import dev.streaminfer.contract.model.RequestStatus;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Idempotency under concurrency, with a reused key, and with the claims that failures leave behind
 * (settled by reading the real Kafka topic); cancellation. Over the real services.
 */
class IdempotencyAndCancelITCase {

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

    private static boolean isCancel(ConsumerRecord<byte[], byte[]> r) {
        Header h = r.headers().lastHeader(CancelMarkerCodec.TYPE_HEADER);
        return h != null && CancelMarkerCodec.TYPE_CANCEL.equals(new String(h.value(), StandardCharsets.US_ASCII));
    }

    @Test
    void concurrent_duplicates_produce_one_kafka_record_and_one_request_id() throws Exception {
        String text = "idem-" + UUID.randomUUID();
        String key = "order-" + UUID.randomUUID();
        int clients = 24;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<TestHttp.Response>> answers = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            answers.add(pool.submit(() -> {
                go.await();
                return http.post("/v1/inference", SharedApi.ALICE, "{\"inputs\":[\"" + text + "\"]}",
                        "Idempotency-Key", key);
            }));
        }
        go.countDown();
        List<TestHttp.Response> responses = new ArrayList<>();
        for (Future<TestHttp.Response> f : answers) {
            responses.add(f.get());
        }
        pool.shutdown();

        assertThat(responses).allSatisfy(r -> assertThat(r.status()).as(r.body()).isEqualTo(202));
        Set<String> ids = responses.stream().map(r -> r.json().path("request_id").asText()).collect(Collectors.toSet());
        assertThat(ids).hasSize(1);
        assertThat(responses.stream().filter(r -> "true".equals(r.header("Idempotent-Replayed"))).count())
                .isEqualTo(clients - 1);
        assertThat(requests.collect(r -> !isCancel(r) && new String(r.value(), StandardCharsets.UTF_8).contains(text),
                Duration.ofSeconds(2))).hasSize(1);

        // Another user with the same key is another request.
        TestHttp.Response bobs = http.post("/v1/inference", SharedApi.BOB, "{\"inputs\":[\"" + text + "\"]}",
                "Idempotency-Key", key);
        assertThat(bobs.json().path("request_id").asText()).isNotIn(ids);
        assertThat(SharedApi.redis().ttl(RedisKeys.idempotency("it-alice", key))).isBetween(86_000L, 86_400L);
    }

    private static String body(String text) {
        return "{\"inputs\":[\"" + text + "\"]}";
    }

    /** The fingerprint the API gives {@link #body}: default model, priority and timeout. */
    private static String fingerprintOf(String text) {
        return new ParsedInference("all-minilm-l6-v2-q", new String[] {text}, Priority.NORMAL,
                RequestLimits.DEFAULT_TIMEOUT_MS, 0).fingerprint();
    }

    private List<ConsumerRecord<byte[], byte[]>> recordsWith(String text) {
        return requests.collect(r -> !isCancel(r) && new String(r.value(), StandardCharsets.UTF_8).contains(text),
                Duration.ofSeconds(2));
    }

    @Test
    void the_same_key_with_another_body_is_422_and_writes_nothing() {
        String text = "reused-" + UUID.randomUUID();
        String key = "reused-" + UUID.randomUUID();
        TestHttp.Response first = http.post("/v1/inference", SharedApi.ALICE, body(text), "Idempotency-Key", key);
        assertThat(first.status()).isEqualTo(202);

        TestHttp.Response other = http.post("/v1/inference", SharedApi.ALICE, body(text + " and more"),
                "Idempotency-Key", key);
        TestHttp.Response named = http.post("/v1/inference", SharedApi.ALICE,
                "{\"model\":\"all-minilm-l6-v2-q\",\"inputs\":[\"" + text + "\"],\"priority\":\"normal\"}",
                "Idempotency-Key", key);

        assertThat(other.status()).as(other.body()).isEqualTo(422);
        assertThat(other.errorCode()).isEqualTo("idempotency_key_reused");
        assertThat(named.status()).as("the same request, defaults spelled out").isEqualTo(202);
        assertThat(named.json().path("request_id").asText()).isEqualTo(first.json().path("request_id").asText());
        assertThat(recordsWith(text)).hasSize(1);
    }

    @Test
    void a_claim_left_pending_after_the_kafka_ack_is_settled_from_kafka_without_a_second_record() {
        // What Redis failing right after the Kafka ack leaves: the request is in Kafka, its claim
        // still says pending, and its owner is gone (claimed 20 s ago, longer than an owner takes).
        String text = "acked-" + UUID.randomUUID();
        String key = "acked-" + UUID.randomUUID();
        long claimedAt = System.currentTimeMillis() - 20_000;
        String id = http.post("/v1/inference", SharedApi.ALICE, body(text)).json().path("request_id").asText();
        String redisKey = RedisKeys.idempotency("it-alice", key);
        SharedApi.redis().set(redisKey, "pending:" + id + ":" + claimedAt + ":" + fingerprintOf(text),
                SetArgs.Builder.ex(600));

        TestHttp.Response retry = http.post("/v1/inference", SharedApi.ALICE, body(text), "Idempotency-Key", key);

        assertThat(retry.status()).as(retry.body()).isEqualTo(202);
        assertThat(retry.json().path("request_id").asText()).isEqualTo(id);
        assertThat(retry.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(SharedApi.redis().get(redisKey)).startsWith("accepted:" + id + ":");
        assertThat(recordsWith(text)).as("found in Kafka, not written again").hasSize(1);
    }

    @Test
    void an_unconfirmed_claim_for_a_write_kafka_never_got_is_written_under_its_id_on_retry() {
        // What a producer timeout with the broker gone leaves: the claim says unconfirmed, and Kafka
        // holds nothing under its id.
        String text = "lost-" + UUID.randomUUID();
        String key = "lost-" + UUID.randomUUID();
        long now = System.currentTimeMillis();
        String id = RequestIds.newId(now - 20_000);
        String redisKey = RedisKeys.idempotency("it-alice", key);
        SharedApi.redis().set(redisKey, "unconfirmed:" + id + ":" + (now - 20_000) + ":" + (now - 15_000) + ":"
                + fingerprintOf(text), SetArgs.Builder.ex(600));

        TestHttp.Response retry = http.post("/v1/inference", SharedApi.ALICE, body(text), "Idempotency-Key", key);
        TestHttp.Response again = http.post("/v1/inference", SharedApi.ALICE, body(text), "Idempotency-Key", key);

        assertThat(retry.status()).as(retry.body()).isEqualTo(202);
        assertThat(retry.json().path("request_id").asText()).isEqualTo(id);
        assertThat(again.json().path("request_id").asText()).isEqualTo(id);
        assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(recordsWith(text)).singleElement()
                .satisfies(r -> assertThat(new String(r.value(), StandardCharsets.UTF_8))
                        .contains("\"request_id\":\"" + id + "\""));
        assertThat(http.get("/v1/requests/" + id, SharedApi.ALICE).json().path("status").asText()).isEqualTo("queued");
    }

    @Test
    void cancel_marks_redis_and_kafka_and_status_reads_cancel_requested_until_the_job_decides() {
        String id = http.post("/v1/inference", SharedApi.ALICE, "{\"inputs\":[\"cancel me\"]}").json()
                .path("request_id").asText();

        TestHttp.Response r = http.delete("/v1/requests/" + id, SharedApi.ALICE);

        assertThat(r.status()).as(r.body()).isEqualTo(202);
        assertThat(r.json().path("status").asText()).isEqualTo("cancel_requested");
        assertThat(SharedApi.redis().get(RedisKeys.cancel(id))).contains("\"request_id\":\"" + id + "\"")
                .contains("\"user_id\":\"it-alice\"");
        List<ConsumerRecord<byte[], byte[]>> cancels = requests.await(
                rec -> isCancel(rec) && new String(rec.value(), StandardCharsets.UTF_8).contains(id), 1,
                Duration.ofSeconds(10));
        assertThat(cancels).hasSize(1);
        assertThat(new String(cancels.get(0).key(), StandardCharsets.UTF_8)).isEqualTo("it-alice");
        assertThat(new String(cancels.get(0).value(), StandardCharsets.UTF_8)).contains("\"type\":\"cancel\"");

        TestHttp.Response status = http.get("/v1/requests/" + id, SharedApi.ALICE);
        assertThat(status.json().path("status").asText()).isEqualTo("cancel_requested");
        assertThat(http.delete("/v1/requests/" + id, SharedApi.ALICE).status()).as("idempotent").isEqualTo(202);

        SubmitAndStatusITCase.writeResultWith(id, "it-alice", RequestStatus.CANCELLED); // the job confirms
        assertThat(http.get("/v1/requests/" + id, SharedApi.ALICE).json().path("status").asText())
                .isEqualTo("cancelled");
        TestHttp.Response again = http.delete("/v1/requests/" + id, SharedApi.ALICE);
        assertThat(again.status()).as("final now: " + again.body()).isEqualTo(409);
        assertThat(again.errorCode()).isEqualTo("already_final");
    }

    @Test
    void final_requests_cannot_be_cancelled() {
        String id = http.post("/v1/inference", SharedApi.ALICE, "{\"inputs\":[\"too late\"]}").json()
                .path("request_id").asText();
        SubmitAndStatusITCase.writeResultWith(id, "it-alice", RequestStatus.COMPLETED);

        TestHttp.Response r = http.delete("/v1/requests/" + id, SharedApi.ALICE);

        assertThat(r.status()).isEqualTo(409);
        assertThat(r.errorCode()).isEqualTo("already_final");
        assertThat(SharedApi.redis().get(RedisKeys.cancel(id))).isNull();
    }
}
