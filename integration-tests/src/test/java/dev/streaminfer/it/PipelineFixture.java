package dev.streaminfer.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streaminfer.api.ApiConfig;
import dev.streaminfer.cluster.StandaloneCluster;
import dev.streaminfer.api.IngestApi;
import dev.streaminfer.api.auth.ApiKeyStore;
import dev.streaminfer.jobs.InferenceJob;
import dev.streaminfer.jobs.JobOptions;
import dev.streaminfer.localstack.Provisioning;
import dev.streaminfer.localstack.ServiceEndpoints;
import dev.streaminfer.localstack.TestServices;
import dev.streaminfer.localstack.TopicSpec;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import dev.streaminfer.contract.model.InferenceRequest;
import dev.streaminfer.contract.model.Priority;
import dev.streaminfer.contract.model.InferenceResult;
import dev.streaminfer.contract.quota.UsageDocument;
import dev.streaminfer.contract.redis.RedisKeys;
import dev.streaminfer.contract.serde.InferenceRequestCodec;
import dev.streaminfer.contract.serde.ResultDocumentCodec;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The whole system for one test class, over the shared real services: its own topics (so test
 * classes never see each other's records), the job on the MiniCluster, the ingest API, and a
 * user with an API key. Plus the small clients a test needs to look at every sink.
 */
final class PipelineFixture implements AutoCloseable {

    final ServiceEndpoints services = TestServices.get().endpoints();
    final String suffix = UUID.randomUUID().toString().substring(0, 8);
    final String requestsTopic = "inference-requests-" + suffix;
    final String resultsTopic = "inference-results-" + suffix;
    final String dlqTopic = "inference-dlq-" + suffix;
    final String quotaTopic = "quota-updates-" + suffix;
    final String refundsTopic = "quota-refunds-" + suffix;
    final String userId = "user-" + suffix;
    final String apiKey = "key-" + UUID.randomUUID();
    final String adminKey = "admin-key-" + UUID.randomUUID();

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private final RedisClient redisClient = RedisClient.create(services.redisUrl());
    private final StatefulRedisConnection<String, String> redis = redisClient.connect();
    private JobClient job;
    private final List<JobID> jobs = new ArrayList<>();
    private IngestApi api;
    /** The texts of each request this fixture wrote to Kafka, by request id. */
    final Map<String, List<String>> inputs = new ConcurrentHashMap<>();

    PipelineFixture() throws Exception {
        // the same topic settings as the local stack's (results and DLQ take the largest result)
        Provisioning.createTopics(services.kafkaBootstrapServers(), List.of(
                TopicSpec.of(requestsTopic, 4),
                TopicSpec.of(resultsTopic, 4).withMaxMessageBytes(Provisioning.MAX_MESSAGE_BYTES),
                TopicSpec.of(dlqTopic, 1).withMaxMessageBytes(Provisioning.MAX_MESSAGE_BYTES),
                TopicSpec.compacted(quotaTopic, 4),
                TopicSpec.of(refundsTopic, 4)));
        ApiKeyStore.upsert(services.postgresUrl(), services.postgresUser(), services.postgresPassword(),
                apiKey, userId, "user", "pro");
        ApiKeyStore.upsert(services.postgresUrl(), services.postgresUser(), services.postgresPassword(),
                adminKey, "admin-" + suffix, "admin", "unlimited");
    }

    /** The job's program arguments: this fixture's topics, consumer group and transactional ids, 1 s checkpoints. */
    List<String> jobArguments() {
        return List.of(
                "--" + JobOptions.REQUESTS_TOPIC.key(), requestsTopic,
                "--" + JobOptions.RESULTS_TOPIC.key(), resultsTopic,
                "--" + JobOptions.DLQ_TOPIC.key(), dlqTopic,
                "--" + JobOptions.QUOTA_UPDATES_TOPIC.key(), quotaTopic,
                "--" + JobOptions.QUOTA_REFUNDS_TOPIC.key(), refundsTopic,
                "--" + JobOptions.KAFKA_GROUP_ID.key(), "job-" + suffix,
                "--" + JobOptions.TRANSACTIONAL_ID_PREFIX.key(), "results-" + suffix,
                "--" + JobOptions.CHECKPOINT_INTERVAL.key(), "1 s");
    }

    Configuration jobConfiguration() {
        return JobOptions.resolve(jobArguments().toArray(String[]::new), services.asEnvironment());
    }

    /**
     * Submits the shaded job jar to a multi-process {@code cluster} with this fixture's arguments
     * (the services come from the cluster's environment) and waits until all its tasks run:
     * at {@code parallelism}, the adaptive scheduler's upper bound, or at the number of
     * TaskManagers if fewer (one slot each).
     *
     * @param restoreFrom a savepoint to start from; null for none
     */
    JobClient startJobOn(StandaloneCluster cluster, int parallelism, String restoreFrom) throws Exception {
        JobID id = cluster.submit(ClusterUnderTest.jobJar(), InferenceJob.class.getName(), jobArguments(),
                parallelism, restoreFrom);
        job = cluster.jobClient(id);
        jobs.add(id);
        cluster.awaitRunning(id, Math.min(parallelism, cluster.taskManagers().size()), Duration.ofMinutes(2));
        return job;
    }

    /** Starts the job on the MiniCluster of the test class ({@link PipelineITCaseBase}) and waits until it runs. */
    JobClient startJob() throws Exception {
        return startJob(null);
    }

    /** As {@link #startJob()}, resuming from a savepoint or retained checkpoint when one is given. */
    JobClient startJob(String restoreFrom) throws Exception {
        Configuration envConf = new Configuration();
        if (restoreFrom != null) {
            envConf.set(org.apache.flink.configuration.StateRecoveryOptions.SAVEPOINT_PATH, restoreFrom);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(envConf);
        env.setParallelism(2);
        InferenceJob.define(env, jobConfiguration());
        job = env.executeAsync(InferenceJob.JOB_NAME + "-" + suffix);
        jobs.add(job.getJobID());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (job.getJobStatus().get() != JobStatus.RUNNING) {
            if (System.nanoTime() > deadline) throw new IllegalStateException("job did not start");
            Thread.sleep(100);
        }
        return job;
    }

    /**
     * Stops the job with a savepoint under {@code folder}; returns its path. A job still recovering
     * from an earlier fault refuses a savepoint until all its tasks run again, so this retries.
     */
    String stopJobWithSavepoint(java.nio.file.Path folder) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (true) {
            try {
                String path = job.stopWithSavepoint(false, folder.toUri().toString(),
                        org.apache.flink.core.execution.SavepointFormatType.CANONICAL).get(120, TimeUnit.SECONDS);
                job = null;
                return path;
            } catch (java.util.concurrent.ExecutionException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(2_000);
            }
        }
    }

    /** Closes the API (a new one comes from {@link #startApi()}). */
    void stopApi() {
        if (api != null) {
            api.close();
            api = null;
        }
    }

    IngestApi startApi() {
        return startApi(builder -> builder);
    }

    /** An API on this fixture's services and topics, with {@code settings} applied on top. */
    IngestApi startApi(java.util.function.UnaryOperator<ApiConfig.Builder> settings) {
        api = IngestApi.start(settings.apply(ApiConfig.fromEnvironment(services.asEnvironment()).toBuilder()
                .port(0).requestsTopic(requestsTopic).quotaUpdatesTopic(quotaTopic)).build());
        return api;
    }

    HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + api.port() + path))
                .header("Authorization", "Bearer " + apiKey).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> putAsAdmin(String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + api.port() + path))
                .header("Authorization", "Bearer " + adminKey).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + api.port() + path))
                .header("Authorization", "Bearer " + apiKey).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> delete(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + api.port() + path))
                .header("Authorization", "Bearer " + apiKey).DELETE().build(), HttpResponse.BodyHandlers.ofString());
    }

    JsonNode json(String body) throws Exception {
        return json.readTree(body);
    }

    /** Polls GET /v1/requests/{id} until the document is final. */
    JsonNode awaitFinal(String requestId, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode doc = null;
        while (System.nanoTime() < deadline) {
            HttpResponse<String> response = get("/v1/requests/" + requestId);
            if (response.statusCode() == 200) {
                doc = json(response.body());
                if (!"queued".equals(doc.path("status").asText())) {
                    return doc;
                }
            }
            Thread.sleep(200);
        }
        throw new AssertionError("request " + requestId + " not final within " + timeout + "; last: " + doc);
    }

    String redisGet(String key) {
        return redis.sync().get(key);
    }

    Connection postgres() throws SQLException {
        return DriverManager.getConnection(services.postgresUrl(), services.postgresUser(), services.postgresPassword());
    }

    record Row(String status, String userId, int inputTokens, int chargedTokens, String errorCode, long latencyMs,
               String priority) {}

    /** Waits for the request's row in inference_results (the JDBC sink writes in batches). */
    Row awaitResultRow(String requestId, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try (Connection c = postgres(); PreparedStatement s = c.prepareStatement(
                    "SELECT status, user_id, input_tokens, charged_tokens, error_code, latency_ms, priority"
                            + " FROM inference_results WHERE request_id = ?")) {
                s.setString(1, requestId);
                try (ResultSet r = s.executeQuery()) {
                    if (r.next()) {
                        return new Row(r.getString(1), r.getString(2), r.getInt(3), r.getInt(4), r.getString(5), r.getLong(6),
                                r.getString(7));
                    }
                }
            }
            if (System.nanoTime() > deadline) throw new AssertionError("no row for " + requestId);
            Thread.sleep(200);
        }
    }

    void produce(String topic, byte[] key, byte[] value) throws Exception {
        produce(topic, null, key, value);
    }

    /** @param timestamp the record's timestamp (null: the producer's clock) */
    void produce(String topic, Long timestamp, byte[] key, byte[] value) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, services.kafkaBootstrapServers());
        try (KafkaProducer<byte[], byte[]> producer =
                     new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, null, timestamp, key, value)).get(30, TimeUnit.SECONDS);
        }
    }

    /**
     * Writes requests straight to the requests topic, as a producer other than the API would,
     * spread over {@code users} users; returns their ids in order.
     */
    List<String> produceRequests(int count, int users, String textPrefix) throws Exception {
        return produceRequests(count, users, textPrefix, System.currentTimeMillis());
    }

    /** As above, all with the given {@code submitted_at}. */
    List<String> produceRequests(int count, int users, String textPrefix, long submittedAt) throws Exception {
        return produceRequests(0, count, users, textPrefix, submittedAt);
    }

    /**
     * Requests number {@code from} to {@code from + count - 1} of a stream: request {@code i} goes to
     * user {@code i % users}, so consecutive calls with the same prefix continue over all users.
     */
    List<String> produceRequests(int from, int count, int users, String textPrefix, long submittedAt) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, services.kafkaBootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        List<String> ids = new ArrayList<>();
        List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer =
                     new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = from; i < from + count; i++) {
                String user = userId + "-" + (i % users);
                InferenceRequest request = new InferenceRequest("req-" + suffix + "-" + textPrefix.hashCode() + "-" + i,
                        user, "all-minilm-l6-v2-q", new String[] {textPrefix + " number " + i}, Priority.NORMAL,
                        System.currentTimeMillis() + 600_000, submittedAt, 0, null);
                // A producer stamps its records when it writes them: the job bounds submitted_at by that.
                sent.add(producer.send(new ProducerRecord<>(requestsTopic, null, submittedAt,
                        user.getBytes(StandardCharsets.UTF_8), InferenceRequestCodec.encode(request))));
                ids.add(request.requestId());
                inputs.put(request.requestId(), List.of(request.inputs()));
            }
            // one idempotent producer keeps each partition's order; all acknowledged before returning
            for (java.util.concurrent.Future<?> ack : sent) {
                ack.get(30, TimeUnit.SECONDS);
            }
        }
        return ids;
    }

    /** Writes the given requests, in order, keyed by their user. */
    void produceRequests(List<InferenceRequest> requests) throws Exception {
        for (InferenceRequest request : requests) {
            produce(requestsTopic, request.submittedAt() > 0 ? request.submittedAt() : null,
                    request.userId().getBytes(StandardCharsets.UTF_8), InferenceRequestCodec.encode(request));
            inputs.put(request.requestId(), List.of(request.inputs()));
        }
    }

    /** Waits until every id has a final row in inference_results. */
    void awaitFinalRows(List<String> ids, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        int found = 0;
        while (System.nanoTime() < deadline) {
            found = finalRows(ids).size();
            if (found == ids.size()) {
                return;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("only " + found + " of " + ids.size() + " requests have a row");
    }

    /** Final rows of {@code ids} in inference_results, as {status, charged_tokens}, by request id. */
    Map<String, String[]> finalRows(List<String> ids) throws SQLException {
        Map<String, String[]> rows = new HashMap<>();
        try (Connection c = postgres(); PreparedStatement s = c.prepareStatement(
                "SELECT request_id, status, charged_tokens FROM inference_results WHERE request_id = ANY (?)"
                        + " AND status <> 'queued'")) {
            s.setArray(1, c.createArrayOf("text", ids.toArray()));
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    rows.put(r.getString(1), new String[] {r.getString(2), r.getString(3)});
                }
            }
        }
        return rows;
    }

    /** PostgreSQL's charged tokens of {@code userId} for requests submitted today (UTC). */
    long chargedToday(String userId) throws SQLException {
        try (Connection c = postgres(); PreparedStatement s = c.prepareStatement(
                "SELECT coalesce(sum(charged_tokens), 0) FROM inference_results WHERE user_id = ?"
                        + " AND submitted_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'")) {
            s.setString(1, userId);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getLong(1);
            }
        }
    }

    /** The job's quota state for {@code userId} as its usage document shows it: used today, -1 if none. */
    long usedToday(String userId) {
        return UsageDocument.decode(redisGet(RedisKeys.usage(userId))).map(UsageDocument::usedToday).orElse(-1L);
    }

    /** The committed result records of each of {@code ids} (all of them, to see doubles), decoded. */
    Map<String, List<InferenceResult>> committedResults(List<String> ids, Duration timeout) {
        Map<String, List<InferenceResult>> committed = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : consume(resultsTopic,
                records -> records.stream().map(r -> new String(r.key(), StandardCharsets.UTF_8)).distinct().count()
                        >= ids.size(), timeout)) {
            committed.computeIfAbsent(new String(record.key(), StandardCharsets.UTF_8), k -> new ArrayList<>())
                    .add(ResultDocumentCodec.decode(record.value()));
        }
        return committed;
    }

    /**
     * Failures the job recovered from, with when (epoch ms) and what, for every job this fixture
     * started: the entries of Flink's exception history, one per failover.
     */
    List<Failover> failovers(MiniCluster cluster) throws Exception {
        URI rest = cluster.getRestAddress().get();
        List<Failover> failovers = new ArrayList<>();
        for (JobID id : jobs) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                    rest.resolve("/jobs/" + id + "/exceptions?maxExceptions=1000")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            for (JsonNode entry : json.readTree(response.body()).at("/exceptionHistory/entries")) {
                failovers.add(new Failover(entry.path("timestamp").asLong(), entry.path("exceptionName").asText()));
            }
        }
        return failovers;
    }

    record Failover(long at, String exception) {}

    /** Reads committed records of {@code topic} until {@code done} holds or the timeout passes. */
    List<ConsumerRecord<byte[], byte[]>> consume(
            String topic, Predicate<List<ConsumerRecord<byte[], byte[]>>> done, Duration timeout) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, services.kafkaBootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                     new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!done.test(records) && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }

    @Override
    public void close() throws Exception {
        if (api != null) api.close();
        if (job != null) {
            try {
                job.cancel().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                // already finished or failed; nothing left to stop
            }
        }
        redis.close();
        redisClient.shutdown();
    }
}
