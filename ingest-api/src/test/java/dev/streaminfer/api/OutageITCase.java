package dev.streaminfer.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streaminfer.api.kafka.KafkaRequestLookup;
import dev.streaminfer.api.kafka.RequestLookup;
import dev.streaminfer.localstack.ServiceControl;
import dev.streaminfer.localstack.TestServices;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Real outages: the Kafka broker and the Redis server are really stopped. The API answers 503
 * within its configured bound, accepts nothing, turns not-ready, and recovers by itself.
 */
class OutageITCase {

    /** The documented (method path status) answers this class provokes; {@code OpenApiITCase} counts them. */
    static final Set<String> COVERED = Set.of(
            "post /v1/inference 503", "post /v1/embeddings 503", "delete /v1/requests/{id} 503", "put /v1/admin/quotas/{user_id} 503",
            "get /v1/requests/{id} 503", "get /v1/requests 503", "get /v1/requests/{id}/events 503", "get /v1/usage 503", "get /readyz 503");

    private static final Duration KAFKA_TIMEOUT = Duration.ofSeconds(2);
    /** Longer than an outage here, so a cached key shows what each route answers, not authentication. */
    private static final Duration KEY_CACHE_TTL = Duration.ofSeconds(60);
    private static IngestApi api;
    private static TestHttp http;

    @BeforeAll
    static void start() {
        SharedApi.seed(SharedApi.endpoints());
        api = IngestApi.start(SharedApi.config(SharedApi.endpoints()).kafkaTimeout(KAFKA_TIMEOUT).keyCacheTtl(KEY_CACHE_TTL)
                .readinessInterval(Duration.ofMillis(200)).build());
        http = new TestHttp(api.port());
    }

    @AfterAll
    static void stop() {
        api.close();
    }

    private static ServiceControl control() {
        return TestServices.get().control();
    }

    @Test
    void kafka_down_is_a_bounded_503_and_nothing_is_accepted_then_it_recovers() throws Exception {
        String mark = "outage-" + UUID.randomUUID();
        String queued = http.post("/v1/inference", SharedApi.ALICE, "{\"inputs\":[\"before\"]}").json()
                .path("request_id").asText();
        try (TopicReader requests = new TopicReader(SharedApi.endpoints().kafkaBootstrapServers(),
                "inference-requests")) {
            control().stopKafka();
            try {
                // Before readiness noticed: the producer's own timeouts bound the answer.
                long t0 = System.nanoTime();
                TestHttp.Response first = http.post("/v1/inference", SharedApi.ALICE, "{\"inputs\":[\"" + mark + "\"]}");
                long firstMs = (System.nanoTime() - t0) / 1_000_000;
                assertThat(first.status()).as(first.body()).isEqualTo(503);
                // outcome_unknown when the record was handed to the producer before the broker was
                // noticed gone (it might have been written); kafka_unavailable when it never was.
                assertThat(first.errorCode()).isIn("outcome_unknown", "kafka_unavailable");
                assertThat(first.header("Retry-After")).isNotNull();
                assertThat(firstMs).as("bounded by the Kafka timeout").isLessThan(KAFKA_TIMEOUT.toMillis() + 1_500);

                http.awaitStatus("/readyz", 503, Duration.ofSeconds(10));
                assertThat(http.get("/readyz", null).json().path("checks").path("kafka").asBoolean()).isFalse();
                // the operator's view still answers, naming what it could not ask
                TestHttp.Response stats = http.get("/v1/admin/stats", SharedApi.ADMIN);
                assertThat(stats.status()).as(stats.body()).isEqualTo(200);
                assertThat(stats.json().path("queue").isNull()).isTrue();
                // job_metrics: no job metrics endpoint is configured for this API
                assertThat(stats.json().path("unavailable")).extracting(JsonNode::asText)
                        .containsExactly("kafka", "job_metrics");
                assertThat(stats.json().path("requests").isObject()).isTrue();

                // Once known down: refused at once.
                t0 = System.nanoTime();
                TestHttp.Response fast = http.post("/v1/inference", SharedApi.ALICE,
                        "{\"inputs\":[\"" + mark + "\"]}", "Idempotency-Key", mark);
                assertThat(fast.status()).isEqualTo(503);
                TestHttp.Response embeddings = http.post("/v1/embeddings", SharedApi.ALICE, "{\"input\":\"x\"}");
                assertThat(embeddings.status()).isEqualTo(503);
                assertThat(embeddings.json().at("/error/code").asText()).isEqualTo("kafka_unavailable");
                assertThat(embeddings.header("Retry-After")).isNotNull();
                assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(1_000);

                // Settling an unknown write needs Kafka: while it is down the lookup says so, in bounded time.
                try (KafkaRequestLookup lookup = new KafkaRequestLookup(SharedApi.endpoints().kafkaBootstrapServers(),
                        "inference-requests", KAFKA_TIMEOUT)) {
                    long l0 = System.nanoTime();
                    long now = System.currentTimeMillis();
                    assertThat(lookup.find("it-alice", queued, now - 60_000, now))
                            .isEqualTo(RequestLookup.Presence.UNKNOWN);
                    assertThat((System.nanoTime() - l0) / 1_000_000).isLessThan(KAFKA_TIMEOUT.toMillis() + 1_500);
                }

                assertThat(http.delete("/v1/requests/" + queued, SharedApi.ALICE).status()).isEqualTo(503);
                assertThat(http.put("/v1/admin/quotas/it-bob", SharedApi.ADMIN, "{\"tokens_per_day\":1}").status())
                        .isEqualTo(503);
                assertThat(http.get("/healthz", null).status()).as("alive while not ready").isEqualTo(200);
            } finally {
                control().startKafka();
            }
            http.awaitStatus("/readyz", 200, Duration.ofSeconds(60));
            TestHttp.Response after = TestHttp.retryWhileUnavailable(Duration.ofSeconds(10), () -> http.post(
                    "/v1/inference", SharedApi.ALICE, "{\"inputs\":[\"" + mark + " retried\"]}", "Idempotency-Key", mark));
            assertThat(after.status()).as("the idempotency key was released by the failure").isEqualTo(202);

            assertThat(requests.collect(r -> new String(r.value(), StandardCharsets.UTF_8).contains(mark),
                    Duration.ofSeconds(3)))
                    .as("only the retry after recovery reached Kafka")
                    .singleElement()
                    .satisfies(r -> assertThat(new String(r.value(), StandardCharsets.UTF_8)).contains("retried"));
        }
    }

    @Test
    void redis_down_is_503_service_unavailable_and_nothing_reaches_kafka() throws Exception {
        String mark = "redis-outage-" + UUID.randomUUID();
        try (TopicReader requests = new TopicReader(SharedApi.endpoints().kafkaBootstrapServers(),
                "inference-requests")) {
            control().stopRedis();
            try {
                TestHttp.Response post = http.post("/v1/inference", SharedApi.ALICE, "{\"inputs\":[\"" + mark + "\"]}");
                assertThat(post.status()).as(post.body()).isEqualTo(503);
                assertThat(post.errorCode()).isEqualTo("service_unavailable");
                assertThat(http.get("/v1/requests/anything", SharedApi.ALICE).status()).isEqualTo(503);
                assertThat(http.get("/v1/requests/anything/events", SharedApi.ALICE).status()).isEqualTo(503);
                assertThat(http.get("/v1/usage", SharedApi.ALICE).status()).isEqualTo(503);
                http.awaitStatus("/readyz", 503, Duration.ofSeconds(10));
            } finally {
                control().startRedis();
            }
            http.awaitStatus("/readyz", 200, Duration.ofSeconds(20));
            assertThat(TestHttp.retryWhileUnavailable(Duration.ofSeconds(10),
                    () -> http.post("/v1/inference", SharedApi.ALICE, "{\"inputs\":[\"after\"]}")).status())
                    .isEqualTo(202);
            assertThat(requests.collect(r -> new String(r.value(), StandardCharsets.UTF_8).contains(mark),
                    Duration.ofSeconds(1))).isEmpty();
        }
    }

    @Test
    void postgres_down_is_503_for_the_request_listing_then_it_recovers() throws Exception {
        // keys cached (KEY_CACHE_TTL): the answers below come from the routes, not from authentication
        assertThat(http.get("/v1/requests", SharedApi.ALICE).status()).isEqualTo(200);
        assertThat(http.get("/v1/admin/stats", SharedApi.ADMIN).status()).isEqualTo(200);
        control().stopPostgres();
        try {
            TestHttp.Response list = http.get("/v1/requests", SharedApi.ALICE);
            assertThat(list.status()).as(list.body()).isEqualTo(503);
            assertThat(list.errorCode()).isEqualTo("service_unavailable");
            TestHttp.Response stats = http.get("/v1/admin/stats", SharedApi.ADMIN);
            assertThat(stats.status()).as(stats.body()).isEqualTo(200);
            assertThat(stats.json().path("requests").isNull()).isTrue();
            assertThat(stats.json().path("unavailable")).extracting(JsonNode::asText)
                    .containsExactly("postgres", "job_metrics");
            assertThat(stats.json().path("queue").path("topic").asText()).isEqualTo("inference-requests");
        } finally {
            control().startPostgres();
        }
        http.awaitStatus("/readyz", 200, Duration.ofSeconds(20));
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        int status;
        do {
            status = http.get("/v1/requests", SharedApi.ALICE).status();
        } while (status != 200 && System.nanoTime() < deadline && sleep(200));
        assertThat(status).isEqualTo(200);
    }

    private static boolean sleep(long ms) throws InterruptedException {
        Thread.sleep(ms);
        return true;
    }
}
