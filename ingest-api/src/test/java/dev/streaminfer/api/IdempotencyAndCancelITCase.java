package dev.streaminfer.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streaminfer.api.kafka.CancelMarker;
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

/** Idempotency under concurrency and cancellation, over the real services. */
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
        Header h = r.headers().lastHeader(CancelMarker.TYPE_HEADER);
        return h != null && CancelMarker.TYPE_CANCEL.equals(new String(h.value(), StandardCharsets.US_ASCII));
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

    @Test
    void cancel_marks_redis_and_kafka_and_status_reads_cancelled() {
        String id = http.post("/v1/inference", SharedApi.ALICE, "{\"inputs\":[\"cancel me\"]}").json()
                .path("request_id").asText();

        TestHttp.Response r = http.delete("/v1/requests/" + id, SharedApi.ALICE);

        assertThat(r.status()).as(r.body()).isEqualTo(202);
        assertThat(r.json().path("status").asText()).isEqualTo("cancelled");
        assertThat(SharedApi.redis().get(RedisKeys.cancel(id))).contains("\"request_id\":\"" + id + "\"")
                .contains("\"user_id\":\"it-alice\"");
        List<ConsumerRecord<byte[], byte[]>> cancels = requests.await(
                rec -> isCancel(rec) && new String(rec.value(), StandardCharsets.UTF_8).contains(id), 1,
                Duration.ofSeconds(10));
        assertThat(cancels).hasSize(1);
        assertThat(new String(cancels.get(0).key(), StandardCharsets.UTF_8)).isEqualTo("it-alice");
        assertThat(new String(cancels.get(0).value(), StandardCharsets.UTF_8)).contains("\"type\":\"cancel\"");

        TestHttp.Response status = http.get("/v1/requests/" + id, SharedApi.ALICE);
        assertThat(status.json().path("status").asText()).isEqualTo("cancelled");
        assertThat(http.delete("/v1/requests/" + id, SharedApi.ALICE).status()).as("idempotent").isEqualTo(202);
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
