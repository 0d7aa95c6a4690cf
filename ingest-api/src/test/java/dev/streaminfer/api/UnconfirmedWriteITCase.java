package dev.streaminfer.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streaminfer.contract.redis.RedisKeys;
import dev.streaminfer.localstack.TestServices;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A Kafka write whose outcome the API never learns, over a really stopped broker: the record was
 * handed to the producer, then the broker went away. The first answer is 503 {@code outcome_unknown}
 * (not "nothing was accepted", not 500); a retry with the same {@code Idempotency-Key} while Kafka
 * is still down changes nothing; once it is back, the retry settles it: one request id, one record.
 *
 * <p>Whether the record reaches the producer's buffer depends on whether the producer still holds
 * the topic's metadata when the request arrives (it drops it soon after it loses its only broker).
 * When it does not, the answer is {@code kafka_unavailable}, the record certainly was not written,
 * and the key must be free again (checked); the scenario is then tried again, a few times. The
 * settling itself is also tested deterministically over real Kafka in
 * {@code IdempotencyAndCancelITCase}, from the claims such failures leave.
 */
class UnconfirmedWriteITCase {

    /** How long Kafka may take to answer again after a restart. */
    private static final Duration KAFKA_BACK = Duration.ofSeconds(60);

    private static final Duration KAFKA_TIMEOUT = Duration.ofSeconds(2);
    private static final int ATTEMPTS = 10;
    private static IngestApi api;
    private static TestHttp http;

    @BeforeAll
    static void start() {
        SharedApi.seed(SharedApi.endpoints());
        // Readiness probes once at start and then not for the test's length, so the POST reaches the
        // producer after the broker stopped, instead of the fast 503 that a noticed outage gives.
        api = IngestApi.start(SharedApi.config(SharedApi.endpoints()).kafkaTimeout(KAFKA_TIMEOUT)
                .readinessInterval(Duration.ofMinutes(10)).build());
        http = new TestHttp(api.port());
    }

    @AfterAll
    static void stop() {
        api.close();
    }

    private static TestHttp.Response post(String body, String key) {
        return http.post("/v1/inference", SharedApi.ALICE, body, "Idempotency-Key", key);
    }

    private static String claim(String key) {
        return SharedApi.redis().get(RedisKeys.idempotency("it-alice", key));
    }

    @Test
    void a_write_kafka_never_confirmed_is_settled_by_a_retry_with_the_same_key() throws Exception {
        String mark = "unconfirmed-" + UUID.randomUUID();
        String body = "{\"inputs\":[\"" + mark + "\"]}";

        String key = null;
        String firstId = null;
        try (TopicReader requests = new TopicReader(SharedApi.endpoints().kafkaBootstrapServers(),
                "inference-requests")) {
            for (int attempt = 1; attempt <= ATTEMPTS && firstId == null; attempt++) {
                assertThat(TestHttp.retryWhileUnavailable(KAFKA_BACK, () -> http.post("/v1/inference",
                        SharedApi.ALICE, "{\"inputs\":[\"warm up\"]}")).status())
                        .as("the producer knows the topic").isEqualTo(202);
                key = "key-" + UUID.randomUUID();
                TestServices.get().control().stopKafka();
                try {
                    TestHttp.Response first = post(body, key);
                    assertThat(first.status()).as(first.body()).isEqualTo(503);
                    if (first.errorCode().equals("kafka_unavailable")) {
                        assertThat(claim(key)).as("certainly not written: the key is released").isNull();
                        continue;
                    }
                    assertThat(first.errorCode()).isEqualTo("outcome_unknown");
                    assertThat(first.json().path("error").path("message").asText()).contains("same Idempotency-Key");
                    assertThat(first.header("Retry-After")).as("when it can be settled").isEqualTo("2");
                    String claim = claim(key);
                    assertThat(claim).startsWith("unconfirmed:");
                    firstId = claim.split(":")[1];

                    Thread.sleep(KAFKA_TIMEOUT.toMillis() + 200); // past the settle time: now Kafka is asked
                    long t0 = System.nanoTime();
                    TestHttp.Response during = post(body, key);
                    assertThat(during.status()).as(during.body()).isEqualTo(503);
                    assertThat(during.errorCode()).as("Kafka cannot be read: still unknown")
                            .isEqualTo("outcome_unknown");
                    assertThat((System.nanoTime() - t0) / 1_000_000).as("bounded by the Kafka timeout")
                            .isLessThan(KAFKA_TIMEOUT.toMillis() + 2_000);
                    assertThat(claim(key)).isEqualTo(claim);
                } finally {
                    TestServices.get().control().startKafka();
                }
            }
            assertThat(firstId).as("in " + ATTEMPTS + " tries the producer never took a record after the broker"
                    + " stopped (each answered kafka_unavailable with the key released, checked)").isNotNull();
            String sameKey = key;
            String id = firstId;

            TestHttp.Response settled = TestHttp.retryWhileUnavailable(KAFKA_BACK, () -> post(body, sameKey));
            assertThat(settled.status()).as(settled.body()).isEqualTo(202);
            assertThat(settled.json().path("request_id").asText()).as("the key kept its id").isEqualTo(id);
            assertThat(claim(sameKey)).startsWith("accepted:" + id + ":");

            TestHttp.Response again = post(body, sameKey);
            assertThat(again.status()).isEqualTo(202);
            assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");
            assertThat(again.json().path("request_id").asText()).isEqualTo(id);
            TestHttp.Response otherBody = post("{\"inputs\":[\"" + mark + " changed\"]}", sameKey);
            assertThat(otherBody.status()).isEqualTo(422);
            assertThat(otherBody.errorCode()).isEqualTo("idempotency_key_reused");

            assertThat(requests.collect(r -> value(r).contains(mark), Duration.ofSeconds(3)))
                    .as("one record, under the first id")
                    .singleElement()
                    .satisfies(r -> assertThat(value(r)).contains("\"request_id\":\"" + id + "\""));
            assertThat(http.get("/v1/requests/" + id, SharedApi.ALICE).json().path("status").asText())
                    .isEqualTo("queued");
        }
    }

    private static String value(ConsumerRecord<byte[], byte[]> r) {
        return new String(r.value(), StandardCharsets.UTF_8);
    }
}
