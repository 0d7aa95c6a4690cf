package dev.streaminfer.bench;

import dev.streaminfer.contract.model.InferenceRequest;
import dev.streaminfer.contract.model.Priority;
import dev.streaminfer.contract.redis.RedisKeys;
import dev.streaminfer.contract.serde.InferenceRequestCodec;
import dev.streaminfer.jobs.InferenceJob;
import dev.streaminfer.jobs.JobOptions;
import dev.streaminfer.localstack.ServiceEndpoints;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import dev.streaminfer.localstack.Provisioning;
import dev.streaminfer.localstack.TopicSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * One configuration of the pipeline, measured end to end: the whole job ({@link InferenceJob#define})
 * on an in-process MiniCluster over real Kafka, PostgreSQL and Redis, with its own topics.
 *
 * <ol>
 *   <li>start the job, warm it up (model loaded, code paths hot) with a few requests;</li>
 *   <li><b>burst</b>: N requests written at once (as if pre-loaded): capacity in texts/s from the
 *       first to the last completion; latency here is queueing;</li>
 *   <li><b>open loop</b> at fixed shares of the capacity just measured (30, 70, 90%): requests
 *       sent on a schedule whatever the pipeline does, {@code submitted_at} = the scheduled time,
 *       so p50/p99 are what a client sees at that load;</li>
 *   <li><b>idle</b>: one request at a time with nothing else running, timed from the send to its
 *       result document appearing in Redis (what the API's {@code wait_ms} waits for).</li>
 * </ol>
 * Every request has one text; latencies come from the rows in {@code inference_results}:
 * {@code completed_at − submitted_at} (result computed) and {@code bench_written_at −
 * submitted_at} (row written to PostgreSQL; a column the benchmark adds to its throwaway database).
 */
final class PipelinePoint {

    static final int USERS = 8;
    static final int PARALLELISM = 2;

    record PhaseResult(String phase, int requests, int completed, int notCompleted, double offeredPerSecond,
                       double textsPerSecond, double writtenPerSecond, double p50Ms, double p99Ms,
                       double p50WrittenMs, double p99WrittenMs, double seconds) {}

    /** Idle round trips: send to result in Redis (p50, max) and submit to computed (p50), ms. */
    record IdleResult(int requests, double p50ToRedisMs, double maxToRedisMs, double p50ComputedMs) {}

    record Result(String label, String model, Map<String, String> settings, double startSeconds,
                  List<PhaseResult> phases, IdleResult idle) {
        PhaseResult phase(String name) {
            return phases.stream().filter(p -> p.phase().equals(name)).findFirst().orElse(null);
        }

        PhaseResult burst() {
            return phase("burst");
        }
    }

    private final ServiceEndpoints services;
    private final Connection db;
    private final KafkaProducer<byte[], byte[]> producer;
    private final List<String> texts;

    PipelinePoint(ServiceEndpoints services, Connection db, KafkaProducer<byte[], byte[]> producer, List<String> texts) {
        this.services = services;
        this.db = db;
        this.producer = producer;
        this.texts = texts;
    }

    /** Adds the column that records when each row reached PostgreSQL (throwaway benchmark database only). */
    static void prepare(Connection db) throws SQLException {
        try (Statement s = db.createStatement()) {
            s.execute("ALTER TABLE inference_results ADD COLUMN IF NOT EXISTS bench_written_at timestamptz"
                    + " DEFAULT clock_timestamp()");
        }
    }

    /**
     * Runs the point on {@code model}: burst of {@code burstRequests}, then one open-loop phase of
     * {@code openSeconds} per share of the burst capacity in {@code openFactors}, then
     * {@code idleRequests} idle round trips.
     */
    Result run(String label, String model, Map<String, String> settings, int burstRequests, double[] openFactors,
               double openSeconds, int idleRequests) throws Exception {
        String suffix = label + "-" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
        String requestsTopic = "bench-requests-" + suffix;
        Provisioning.createTopics(services.kafkaBootstrapServers(), List.of(
                TopicSpec.of(requestsTopic, PARALLELISM),
                TopicSpec.of("bench-results-" + suffix, PARALLELISM).withMaxMessageBytes(Provisioning.MAX_MESSAGE_BYTES),
                TopicSpec.of("bench-dlq-" + suffix, 1).withMaxMessageBytes(Provisioning.MAX_MESSAGE_BYTES),
                TopicSpec.compacted("bench-quota-" + suffix, PARALLELISM),
                TopicSpec.of("bench-refunds-" + suffix, PARALLELISM)));
        Map<String, String> options = new LinkedHashMap<>();
        options.put(JobOptions.REQUESTS_TOPIC.key(), requestsTopic);
        options.put(JobOptions.RESULTS_TOPIC.key(), "bench-results-" + suffix);
        options.put(JobOptions.DLQ_TOPIC.key(), "bench-dlq-" + suffix);
        options.put(JobOptions.QUOTA_UPDATES_TOPIC.key(), "bench-quota-" + suffix);
        options.put(JobOptions.QUOTA_REFUNDS_TOPIC.key(), "bench-refunds-" + suffix);
        options.put(JobOptions.KAFKA_GROUP_ID.key(), "bench-" + suffix);
        options.put(JobOptions.TRANSACTIONAL_ID_PREFIX.key(), "bench-" + suffix);
        options.put(JobOptions.QUOTA_DEFAULT_PLAN.key(), "unlimited");
        options.putAll(settings);
        List<String> args = new ArrayList<>();
        options.forEach((k, v) -> {
            args.add("--" + k);
            args.add(v);
        });
        Configuration conf = JobOptions.resolve(args.toArray(String[]::new), services.asEnvironment());

        long t0 = System.nanoTime();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(conf);
        env.setParallelism(PARALLELISM);
        InferenceJob.define(env, conf);
        JobClient job = env.executeAsync("bench-" + suffix);
        List<PhaseResult> phases = new ArrayList<>();
        double startSeconds;
        IdleResult idle = null;
        try {
            awaitRunning(job);
            String warm = suffix + "-warm-";
            sendBurst(requestsTopic, model, warm, 4 * USERS, 0);
            awaitRows(warm, 4 * USERS, 120);
            startSeconds = (System.nanoTime() - t0) / 1e9;

            String burst = suffix + "-burst-";
            long b0 = System.nanoTime();
            sendBurst(requestsTopic, model, burst, burstRequests, 0);
            awaitRows(burst, burstRequests, Math.max(120, burstRequests / 10));
            PhaseResult burstResult = measure("burst", burst, burstRequests, Double.NaN, (System.nanoTime() - b0) / 1e9);
            phases.add(burstResult);

            int phase = 0;
            for (double factor : openFactors) {
                double offered = factor * burstResult.textsPerSecond();
                if (!(offered > 0)) {
                    continue;
                }
                String prefix = suffix + "-open" + (phase++) + "-";
                long o0 = System.nanoTime();
                int count = sendOpenLoop(requestsTopic, model, prefix, offered, openSeconds, burstRequests);
                awaitRows(prefix, count, 120);
                phases.add(measure("open-" + Math.round(factor * 100) + "pct", prefix, count, offered,
                        (System.nanoTime() - o0) / 1e9));
            }
            idle = idleRoundTrips(requestsTopic, model, suffix + "-idle-", idleRequests);
        } finally {
            cancel(job);
            try (Statement s = db.createStatement()) {
                s.execute("TRUNCATE inference_results");
            }
        }
        return new Result(label, model, settings, Stats.round(startSeconds, 2), phases, idle);
    }

    /** Cancels the job; its per-job MiniCluster shuts down with it (then status calls fail: done). */
    private static void cancel(JobClient job) {
        try {
            job.cancel().get(60, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!job.getJobStatus().get().isGloballyTerminalState() && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
        } catch (Exception e) {
            // the MiniCluster is gone once the job is: nothing left to wait for
        }
    }

    private static void awaitRunning(JobClient job) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (true) {
            JobStatus status = job.getJobStatus().get();
            if (status == JobStatus.RUNNING) {
                return;
            }
            if (status.isGloballyTerminalState() || System.nanoTime() > deadline) {
                throw new IllegalStateException("benchmark job did not start: " + status);
            }
            Thread.sleep(50);
        }
    }

    private InferenceRequest request(String model, String id, int i, long submittedAt, int textIndex) {
        String user = "bench-user-" + (i % USERS);
        return new InferenceRequest(id, user, model, new String[] {texts.get(textIndex % texts.size())},
                Priority.NORMAL, submittedAt + 600_000, submittedAt, 0, null);
    }

    private void send(String topic, InferenceRequest request, AtomicReference<Exception> failure) {
        producer.send(new ProducerRecord<>(topic, request.userId().getBytes(StandardCharsets.UTF_8),
                InferenceRequestCodec.encode(request)), (meta, e) -> {
                    if (e != null) failure.compareAndSet(null, e);
                });
    }

    /** {@code count} requests as fast as the producer goes, texts from {@code firstText} on. */
    private void sendBurst(String topic, String model, String prefix, int count, int firstText) throws Exception {
        AtomicReference<Exception> failure = new AtomicReference<>();
        for (int i = 0; i < count; i++) {
            send(topic, request(model, prefix + i, i, System.currentTimeMillis(), firstText + i), failure);
        }
        producer.flush();
        if (failure.get() != null) throw failure.get();
    }

    /** Requests on a fixed schedule; {@code submitted_at} is each one's scheduled time. */
    private int sendOpenLoop(String topic, String model, String prefix, double perSecond, double seconds, int firstText)
            throws Exception {
        AtomicReference<Exception> failure = new AtomicReference<>();
        int count = (int) Math.round(perSecond * seconds);
        long startNs = System.nanoTime();
        long startMs = System.currentTimeMillis();
        for (int i = 0; i < count; i++) {
            long dueNs = startNs + (long) (i * 1e9 / perSecond);
            long wait = dueNs - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            send(topic, request(model, prefix + i, i, startMs + (dueNs - startNs) / 1_000_000, firstText + i), failure);
        }
        producer.flush();
        if (failure.get() != null) throw failure.get();
        return count;
    }

    /**
     * One request at a time, nothing else in flight: from just before the send to its result
     * document in Redis (polled every 0.2 ms), then the next after a pause.
     */
    private IdleResult idleRoundTrips(String topic, String model, String prefix, int count) throws Exception {
        if (count <= 0) {
            return null;
        }
        double[] toRedis = new double[count];
        RedisClient client = RedisClient.create(services.redisUrl());
        try (StatefulRedisConnection<String, String> redis = client.connect()) {
            AtomicReference<Exception> failure = new AtomicReference<>();
            for (int i = 0; i < count; i++) {
                String id = prefix + i;
                String key = RedisKeys.result(id);
                long t0 = System.nanoTime();
                send(topic, request(model, id, i, System.currentTimeMillis(), 7 * i), failure);
                producer.flush();
                long deadline = t0 + TimeUnit.SECONDS.toNanos(30);
                while (redis.sync().exists(key) == 0) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("idle request " + id + " not in Redis within 30 s");
                    }
                    LockSupport.parkNanos(200_000);
                }
                toRedis[i] = (System.nanoTime() - t0) / 1e6;
                if (failure.get() != null) throw failure.get();
                Thread.sleep(100);
            }
        } finally {
            client.shutdown();
        }
        awaitRows(prefix, count, 60);
        PhaseResult computed = measure("idle", prefix, count, Double.NaN, 0);
        double[] sorted = toRedis.clone();
        java.util.Arrays.sort(sorted);
        return new IdleResult(count, Stats.round(Stats.percentile(sorted, 50), 1),
                Stats.round(sorted[sorted.length - 1], 1), computed.p50Ms());
    }

    private void awaitRows(String prefix, int expected, int timeoutSeconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        int rows = 0;
        try (PreparedStatement s = db.prepareStatement(
                "SELECT count(*) FROM inference_results WHERE request_id LIKE ? AND status <> 'queued'")) {
            s.setString(1, prefix + "%");
            while (System.nanoTime() < deadline) {
                try (ResultSet r = s.executeQuery()) {
                    r.next();
                    rows = r.getInt(1);
                }
                if (rows >= expected) {
                    return;
                }
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("only " + rows + " of " + expected + " results for " + prefix
                + " reached PostgreSQL within " + timeoutSeconds + " s");
    }

    private PhaseResult measure(String phase, String prefix, int requests, double offered, double seconds)
            throws SQLException {
        List<long[]> rows = new ArrayList<>();
        int notCompleted = 0;
        try (PreparedStatement s = db.prepareStatement(
                "SELECT status, (extract(epoch FROM submitted_at) * 1000)::bigint,"
                        + " (extract(epoch FROM completed_at) * 1000)::bigint,"
                        + " (extract(epoch FROM bench_written_at) * 1000)::bigint"
                        + " FROM inference_results WHERE request_id LIKE ?")) {
            s.setString(1, prefix + "%");
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    if (!"completed".equals(r.getString(1))) {
                        notCompleted++;
                        continue;
                    }
                    rows.add(new long[] {r.getLong(2), r.getLong(3), r.getLong(4)});
                }
            }
        }
        long[] completedAt = rows.stream().mapToLong(r -> r[1]).toArray();
        long[] writtenAt = rows.stream().mapToLong(r -> r[2]).toArray();
        int[] ones = new int[rows.size()];
        java.util.Arrays.fill(ones, 1);
        double[] latency = rows.stream().mapToDouble(r -> r[1] - r[0]).sorted().toArray();
        double[] written = rows.stream().mapToDouble(r -> r[2] - r[0]).sorted().toArray();
        return new PhaseResult(phase, requests, rows.size(), notCompleted, Stats.round(offered, 1),
                Stats.round(Stats.throughput(completedAt, ones), 1), Stats.round(Stats.throughput(writtenAt, ones), 1),
                Stats.percentile(latency, 50), Stats.percentile(latency, 99),
                Stats.percentile(written, 50), Stats.percentile(written, 99), Stats.round(seconds, 2));
    }
}
