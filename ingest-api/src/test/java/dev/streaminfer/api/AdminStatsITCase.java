package dev.streaminfer.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streaminfer.localstack.Provisioning;
import dev.streaminfer.localstack.ServiceEndpoints;
import dev.streaminfer.localstack.TopicSpec;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /v1/admin/stats} over real Kafka and PostgreSQL: an API of its own on a topic of its
 * own with a consumer group of its own, whose lag the test sets by committing offsets as the job
 * does; request counts from rows the test writes as the job's sink does (a model name of its own,
 * since other tests write rows too).
 */
class AdminStatsITCase {

    private static final String SUFFIX = UUID.randomUUID().toString().substring(0, 8);
    private static final String TOPIC = "stats-requests-" + SUFFIX;
    private static final String GROUP = "stats-job-" + SUFFIX;
    private static final String MODEL = "stats-model-" + SUFFIX;
    private static final String PRIORITY_MODEL = "stats-priority-model-" + SUFFIX;

    private static IngestApi api;
    private static TestHttp http;

    @BeforeAll
    static void start() {
        ServiceEndpoints e = SharedApi.endpoints();
        SharedApi.seed(e);
        Provisioning.createTopics(e.kafkaBootstrapServers(), List.of(TopicSpec.of(TOPIC, 2)));
        api = IngestApi.start(SharedApi.config(e).requestsTopic(TOPIC).jobGroupId(GROUP).build());
        http = new TestHttp(api.port());
    }

    @AfterAll
    static void stop() {
        api.close();
    }

    private static void produce(int partition, int count) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedApi.endpoints().kafkaBootstrapServers());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(TOPIC, partition, null, "{}".getBytes(StandardCharsets.UTF_8)))
                        .get(30, TimeUnit.SECONDS);
            }
        }
    }

    /** Commits {@code offset} on partition 0 for the group, as the job does when a checkpoint completes. */
    private static void commit(long offset) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedApi.endpoints().kafkaBootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, GROUP);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.commitSync(Map.of(new TopicPartition(TOPIC, 0), new OffsetAndMetadata(offset)));
        }
    }

    private static void insertRow(String status, Instant submittedAt) throws Exception {
        insertRow(MODEL, status, "normal", submittedAt);
    }

    /** @param priority null for a row written before results recorded priorities */
    private static void insertRow(String model, String status, String priority, Instant submittedAt)
            throws Exception {
        ServiceEndpoints e = SharedApi.endpoints();
        try (Connection c = DriverManager.getConnection(e.postgresUrl(), e.postgresUser(), e.postgresPassword());
             PreparedStatement s = c.prepareStatement("INSERT INTO inference_results (request_id, user_id, model,"
                     + " status, priority, submitted_at, completed_at) VALUES (?, 'stats-user', ?, ?, ?, ?, ?)")) {
            s.setString(1, "stats-" + UUID.randomUUID());
            s.setString(2, model);
            s.setString(3, status);
            s.setString(4, priority);
            s.setTimestamp(5, Timestamp.from(submittedAt));
            s.setTimestamp(6, Timestamp.from(submittedAt.plusMillis(100)));
            s.executeUpdate();
        }
    }

    @Test
    void theQueueIsTheJobGroupsLagPerPartition() throws Exception {
        produce(0, 5);
        produce(1, 3);
        commit(2); // partition 0: 2 of 5 taken; partition 1: never committed

        JsonNode queue = http.get("/v1/admin/stats", SharedApi.ADMIN).json().path("queue");
        assertThat(queue.path("topic").asText()).isEqualTo(TOPIC);
        assertThat(queue.path("group").asText()).isEqualTo(GROUP);
        assertThat(queue.path("lag").asLong()).isEqualTo(3 + 3);
        JsonNode p0 = queue.path("partitions").get(0);
        assertThat(p0.path("partition").asInt()).isZero();
        assertThat(p0.path("end_offset").asLong()).isEqualTo(5);
        assertThat(p0.path("committed_offset").asLong()).isEqualTo(2);
        assertThat(p0.path("lag").asLong()).isEqualTo(3);
        JsonNode p1 = queue.path("partitions").get(1);
        assertThat(p1.path("committed_offset").isNull()).isTrue();
        assertThat(p1.path("lag").asLong()).isEqualTo(3);
    }

    @Test
    void requestsAreCountedByStatusAndModelOverTheLastMinuteAndHour() throws Exception {
        Instant now = Instant.now();
        insertRow("completed", now.minusSeconds(20));
        insertRow("rejected", now.minusSeconds(30));
        insertRow("completed", now.minusSeconds(20 * 60));
        insertRow("failed", now.minusSeconds(50 * 60));
        insertRow("completed", now.minusSeconds(2 * 3600)); // outside both windows

        JsonNode stats = http.get("/v1/admin/stats", SharedApi.ADMIN).json();
        // No job metrics endpoint is configured here (MetricsExportITCase reads a real job's).
        assertThat(stats.path("unavailable")).extracting(JsonNode::asText).containsExactly("job_metrics");
        assertThat(stats.path("models").isNull()).isTrue();
        assertThat(stats.at("/requests/last_minute/by_model/" + MODEL).asLong()).isEqualTo(2);
        assertThat(stats.at("/requests/last_hour/by_model/" + MODEL).asLong()).isEqualTo(4);
        assertThat(stats.at("/requests/last_hour/by_status/failed").asLong()).isGreaterThanOrEqualTo(1);
        assertThat(stats.at("/requests/last_minute/by_status/rejected").asLong()).isGreaterThanOrEqualTo(1);
        assertThat(stats.at("/requests/last_hour/total").asLong())
                .isGreaterThanOrEqualTo(stats.at("/requests/last_minute/total").asLong() + 2);
        assertThat(stats.at("/api/in_flight_http_requests").asInt()).isGreaterThanOrEqualTo(1); // this one
        assertThat(stats.at("/api/waiting_clients").asInt()).isNotNegative();
        assertThat(Instant.parse(stats.path("generated_at").asText())).isAfterOrEqualTo(now);
    }

    /**
     * Other test classes write rows too, and counts by priority are not per model: the test
     * compares the counts before and after its own rows (all well inside both windows), which have
     * a model of their own so that the test counting by model does not see them.
     */
    @Test
    void requestsAreCountedByPriorityAndRowsWithoutOneAreUnrecorded() throws Exception {
        JsonNode before = http.get("/v1/admin/stats", SharedApi.ADMIN).json().path("requests");
        Instant now = Instant.now();
        insertRow(PRIORITY_MODEL, "completed", "critical", now.minusSeconds(5));
        insertRow(PRIORITY_MODEL, "rejected", "critical", now.minusSeconds(10));
        insertRow(PRIORITY_MODEL, "completed", "low", now.minusSeconds(15));
        insertRow(PRIORITY_MODEL, "completed", "high", now.minusSeconds(20 * 60));
        insertRow(PRIORITY_MODEL, "completed", null, now.minusSeconds(25 * 60));

        JsonNode after = http.get("/v1/admin/stats", SharedApi.ADMIN).json().path("requests");
        assertThat(delta(before, after, "/last_minute/by_priority/critical")).isEqualTo(2);
        assertThat(delta(before, after, "/last_minute/by_priority/low")).isEqualTo(1);
        assertThat(delta(before, after, "/last_minute/by_priority/high")).isZero();
        assertThat(delta(before, after, "/last_hour/by_priority/critical")).isEqualTo(2);
        assertThat(delta(before, after, "/last_hour/by_priority/high")).isEqualTo(1);
        assertThat(delta(before, after, "/last_hour/by_priority/unrecorded")).isEqualTo(1);
        for (String window : List.of("last_minute", "last_hour")) {
            long byPriority = 0;
            for (JsonNode count : after.path(window).path("by_priority")) {
                byPriority += count.asLong();
            }
            assertThat(byPriority).as(window).isEqualTo(after.path(window).path("total").asLong());
        }
    }

    private static long delta(JsonNode before, JsonNode after, String pointer) {
        return after.at(pointer).asLong(0) - before.at(pointer).asLong(0);
    }

    @Test
    void onlyAdminsMayAsk() {
        TestHttp.Response user = http.get("/v1/admin/stats", SharedApi.BOB);
        assertThat(user.status()).isEqualTo(403);
        assertThat(user.errorCode()).isEqualTo("forbidden");
        TestHttp.Response anonymous = http.get("/v1/admin/stats", null);
        assertThat(anonymous.status()).isEqualTo(401);
    }
}
