package dev.streaminfer.bench;

import static dev.streaminfer.bench.PipelineBenchmark.log;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.streaminfer.cluster.StandaloneCluster;
import dev.streaminfer.contract.quota.QuotaPlan;
import dev.streaminfer.contract.quota.QuotaUpdate;
import dev.streaminfer.contract.quota.QuotaUpdateCodec;
import dev.streaminfer.jobs.InferenceJob;
import dev.streaminfer.jobs.JobOptions;
import dev.streaminfer.localstack.LocalStack;
import dev.streaminfer.localstack.Provisioning;
import dev.streaminfer.localstack.ServiceEndpoints;
import dev.streaminfer.localstack.TopicSpec;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The rescale benchmark ({@code bin/bench --rescale}): quota state for N users in RocksDB on a
 * real multi-process cluster ({@link StandaloneCluster}: JobManager and TaskManager JVMs, adaptive
 * scheduler, one slot per TaskManager, the shaded job jar), then the time to rescale it.
 *
 * <ol>
 *   <li>The job on 2 TaskManagers (parallelism bound 4). The baseline: the rescales below with no
 *       user in the state (in place 2 → 4 → 2, savepoint 2 → 4, back to 2), so the figures with
 *       N users come with their ratio to an empty state on the same cluster in the same run.</li>
 *   <li>One plan change per user on the
 *       quota-updates topic: each leaves the user's plan in the quota operator's keyed state (and
 *       a usage document in Redis), with no inference, so a million users fit in minutes.</li>
 *   <li>The first checkpoint after all N are in the state: its full state size (RocksDB
 *       incremental: {@code state_size}) per user, and its duration.</li>
 *   <li>In place 2 → 4: two TaskManagers started; the time until both registered and until every
 *       vertex runs at 4 (the adaptive scheduler restarts the job from that checkpoint); then
 *       4 → 2 (two TaskManagers stopped).</li>
 *   <li>Savepoint 2 → 4: stop-with-savepoint (its duration and size on disk), two TaskManagers
 *       added, the job resubmitted from it at 4: the time to submit (jar upload, job graph) and
 *       until every vertex runs at 4.</li>
 * </ol>
 * Writes {@code bench/results/rescale-<time>.json}; the last line sums it up.
 */
public final class RescaleBenchmark {

    private static final Duration STEP_TIMEOUT = Duration.ofMinutes(10);
    private static final String PLAN_CHANGES_METRIC = "quota_plan_changes_total";

    private RescaleBenchmark() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> a = PipelineBenchmark.parse(args);
        a.remove("rescale");
        int users = Integer.parseInt(a.getOrDefault("users", "100000"));
        Path out = Path.of(a.getOrDefault("out", "bench/results"));
        Path jar = Path.of(a.getOrDefault("job-jar", "bench/target/job/streaminfer-job.jar"));
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("started_at", Instant.now().toString());
        report.put("users", users);
        report.put("machine", Map.of("cores", Runtime.getRuntime().availableProcessors(),
                "loadavg_start", PipelineBenchmark.loadavg()));
        report.put("cluster", "JobManager 768 MiB + TaskManagers of 1 GiB, one slot each, RocksDB incremental,"
                + " adaptive scheduler (resource stabilization 5 s)");

        String suffix = UUID.randomUUID().toString().substring(0, 8);
        Path dir = out.resolve("rescale-cluster").toAbsolutePath();
        deleteRecursively(dir);
        Path savepoints = dir.resolve("savepoints");
        try (LocalStack stack = LocalStack.forTests()) {
            log("starting Kafka, PostgreSQL, Redis...");
            ServiceEndpoints services = stack.start();
            String quotaTopic = "rescale-quota-" + suffix;
            Provisioning.createTopics(services.kafkaBootstrapServers(), List.of(
                    TopicSpec.of("rescale-requests-" + suffix, 4),
                    TopicSpec.of("rescale-results-" + suffix, 4).withMaxMessageBytes(Provisioning.MAX_MESSAGE_BYTES),
                    TopicSpec.of("rescale-dlq-" + suffix, 1).withMaxMessageBytes(Provisioning.MAX_MESSAGE_BYTES),
                    TopicSpec.compacted(quotaTopic, 4),
                    TopicSpec.of("rescale-refunds-" + suffix, 4)));
            List<String> jobArgs = List.of(
                    "--" + JobOptions.REQUESTS_TOPIC.key(), "rescale-requests-" + suffix,
                    "--" + JobOptions.RESULTS_TOPIC.key(), "rescale-results-" + suffix,
                    "--" + JobOptions.DLQ_TOPIC.key(), "rescale-dlq-" + suffix,
                    "--" + JobOptions.QUOTA_UPDATES_TOPIC.key(), quotaTopic,
                    "--" + JobOptions.QUOTA_REFUNDS_TOPIC.key(), "rescale-refunds-" + suffix,
                    "--" + JobOptions.KAFKA_GROUP_ID.key(), "rescale-" + suffix,
                    "--" + JobOptions.TRANSACTIONAL_ID_PREFIX.key(), "rescale-" + suffix,
                    "--" + JobOptions.CHECKPOINT_INTERVAL.key(), "5 s",
                    "--" + JobOptions.CHECKPOINT_TIMEOUT.key(), "5 min");
            Map<String, String> state = Map.of(
                    CheckpointingOptions.CHECKPOINTS_DIRECTORY.key(), dir.resolve("checkpoints").toUri().toString(),
                    CheckpointingOptions.SAVEPOINT_DIRECTORY.key(), savepoints.toUri().toString());
            log("starting a JobManager and 2 TaskManager JVMs under %s", dir);
            try (StandaloneCluster cluster = StandaloneCluster.start(dir, StandaloneCluster.Ports.free(12), 2, state,
                    services.asEnvironment())) {
                Submission submission = new Submission(cluster, jar, jobArgs, savepoints);
                JobID job = cluster.submit(jar, InferenceJob.class.getName(), jobArgs, 4, null);
                cluster.awaitRunning(job, 2, STEP_TIMEOUT);

                // The baseline, same cluster, same run: the same steps with no user in the state.
                log("baseline (no users): in place 2 -> 4 -> 2, savepoint 2 -> 4, back to 2");
                Map<String, Object> baseline = new LinkedHashMap<>();
                awaitCheckpointTriggeredAfter(cluster, job, System.currentTimeMillis());
                baseline.put("in_place_2_to_4", inPlaceUp(cluster, job));
                baseline.put("in_place_4_to_2", Map.of("running_at_2_s", inPlaceDown(cluster, job)));
                Restored empty = fromSavepoint(submission, job, 1);
                baseline.put("savepoint_2_to_4", empty.figures());
                job = empty.job();
                inPlaceDown(cluster, job);
                report.put("baseline_no_users", baseline);

                log("job running at parallelism 2; writing one plan change for each of %d users", users);
                long buildStart = System.nanoTime();
                writePlanChanges(services, quotaTopic, users);
                double written = seconds(buildStart);
                awaitPlanChanges(cluster, job, users);
                double built = seconds(buildStart);
                log("%d plan changes written in %.1f s, all in the quota state after %.1f s (%.0f users/s)",
                        users, written, built, users / built);
                report.put("build", Map.of("written_s", written, "in_state_s", built, "users_per_s", users / built));

                JsonNode checkpoint = awaitCheckpointTriggeredAfter(cluster, job, System.currentTimeMillis());
                Map<String, Object> cp = checkpointFigures(checkpoint, users);
                report.put("checkpoint_at_2", cp);
                log("checkpoint at 2: state %s, %.1f bytes/user, checkpointed (incremental) %s, took %d ms",
                        mib(checkpoint.path("state_size").asLong()), cp.get("state_bytes_per_user"),
                        mib(checkpoint.path("checkpointed_size").asLong()), checkpoint.path("end_to_end_duration").asLong());

                report.put("in_place_2_to_4", inPlaceUp(cluster, job));
                JsonNode cp4 = awaitCheckpointTriggeredAfter(cluster, job, System.currentTimeMillis());
                report.put("checkpoint_at_4", checkpointFigures(cp4, users));
                log("checkpoint at 4: state %s, took %d ms", mib(cp4.path("state_size").asLong()),
                        cp4.path("end_to_end_duration").asLong());
                report.put("in_place_4_to_2", Map.of("running_at_2_s", inPlaceDown(cluster, job)));
                awaitCheckpointTriggeredAfter(cluster, job, System.currentTimeMillis());

                Restored restored = fromSavepoint(submission, job, users);
                report.put("savepoint_2_to_4", restored.figures());
                JsonNode cpRestored = awaitCheckpointTriggeredAfter(cluster, restored.job(), System.currentTimeMillis());
                report.put("checkpoint_after_restore_at_4", checkpointFigures(cpRestored, users));
                log("first checkpoint after the restore: state %s", mib(cpRestored.path("state_size").asLong()));
                cluster.jobClient(restored.job()).cancel().get(1, TimeUnit.MINUTES);
            }
        }
        report.put("finished_at", Instant.now().toString());
        Files.createDirectories(out);
        Path json = out.resolve("rescale-" + DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC)
                .format(Instant.now()) + ".json");
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), report);
        log("report: %s", json);
        log("users=%d  state/user=%.1f B (checkpoint), %.1f B (savepoint)  in-place 2->4 %.1f s (%.2fx empty)"
                        + "  savepoint 2->4 %.1f s (%.2fx empty, +%.1f s to stop)",
                users, number(report, "checkpoint_at_2", "state_bytes_per_user"),
                number(report, "savepoint_2_to_4", "savepoint_bytes_per_user"),
                number(report, "in_place_2_to_4", "running_at_4_s"),
                number(report, "in_place_2_to_4", "running_at_4_s")
                        / number(report, "baseline_no_users", "in_place_2_to_4", "running_at_4_s"),
                number(report, "savepoint_2_to_4", "running_at_4_s"),
                number(report, "savepoint_2_to_4", "running_at_4_s")
                        / number(report, "baseline_no_users", "savepoint_2_to_4", "running_at_4_s"),
                number(report, "savepoint_2_to_4", "stop_with_savepoint_s"));
    }

    /** Submits the job jar with the same arguments to the cluster; where savepoints go. */
    private record Submission(StandaloneCluster cluster, Path jar, List<String> jobArgs, Path savepoints) {}

    /** The job started from a savepoint, and the figures of that rescale. */
    private record Restored(JobID job, Map<String, Object> figures) {}

    /**
     * In place 2 -> 4: two TaskManagers started; the adaptive scheduler takes their slots and
     * restarts the job from its latest checkpoint at 4.
     */
    private static Map<String, Object> inPlaceUp(StandaloneCluster cluster, JobID job) throws Exception {
        long t0 = System.nanoTime();
        cluster.addTaskManager();
        cluster.addTaskManager();
        cluster.awaitTaskManagers(4, STEP_TIMEOUT);
        double registered = seconds(t0);
        cluster.awaitRunning(job, 4, STEP_TIMEOUT);
        double running = seconds(t0);
        log("in place 2 -> 4: TaskManagers registered after %.1f s, every vertex running at 4 after %.1f s",
                registered, running);
        return Map.of("taskmanagers_registered_s", registered, "running_at_4_s", running,
                "restart_after_registration_s", running - registered);
    }

    /** In place 4 -> 2: the two newest TaskManagers stopped; returns the seconds until every vertex runs at 2. */
    private static double inPlaceDown(StandaloneCluster cluster, JobID job) throws Exception {
        long t0 = System.nanoTime();
        List<StandaloneCluster.TaskManager> running = cluster.taskManagers();
        for (StandaloneCluster.TaskManager tm : running.subList(running.size() - 2, running.size())) {
            cluster.stop(tm);
        }
        cluster.awaitRunning(job, 2, STEP_TIMEOUT);
        double down = seconds(t0);
        log("in place 4 -> 2: every vertex running at 2 after %.1f s", down);
        return down;
    }

    /** Stop-with-savepoint at 2, two TaskManagers added, the job resubmitted from the savepoint at 4. */
    private static Restored fromSavepoint(Submission submission, JobID job, int users) throws Exception {
        StandaloneCluster cluster = submission.cluster();
        long t0 = System.nanoTime();
        String savepoint = cluster.jobClient(job).stopWithSavepoint(false, submission.savepoints().toUri().toString(),
                SavepointFormatType.CANONICAL).get(STEP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        double stopped = seconds(t0);
        long savepointBytes = sizeOnDisk(Path.of(java.net.URI.create(savepoint)));
        log("stop-with-savepoint at 2: %.1f s, %s on disk (%.1f bytes/user)", stopped, mib(savepointBytes),
                (double) savepointBytes / users);
        cluster.addTaskManager();
        cluster.addTaskManager();
        cluster.awaitTaskManagers(4, STEP_TIMEOUT);
        t0 = System.nanoTime();
        JobID restored = cluster.submit(submission.jar(), InferenceJob.class.getName(), submission.jobArgs(), 4, savepoint);
        double submitted = seconds(t0);
        cluster.awaitRunning(restored, 4, STEP_TIMEOUT);
        double running = seconds(t0);
        log("savepoint 2 -> 4: submitted (jar upload, job graph) in %.1f s, every vertex running at 4 after %.1f s",
                submitted, running);
        return new Restored(restored, Map.of("stop_with_savepoint_s", stopped, "savepoint_bytes", savepointBytes,
                "savepoint_bytes_per_user", (double) savepointBytes / users, "submit_s", submitted,
                "running_at_4_s", running));
    }

    @SuppressWarnings("unchecked")
    private static double number(Map<String, Object> report, String... path) {
        Object node = report;
        for (String key : path) {
            node = ((Map<String, Object>) node).get(key);
        }
        return ((Number) node).doubleValue();
    }

    /** One plan change per user ({@code pro}), keyed and encoded as the admin API writes them. */
    private static void writePlanChanges(ServiceEndpoints services, String topic, int users) throws Exception {
        Properties props = new Properties();
        props.put("bootstrap.servers", services.kafkaBootstrapServers());
        props.put("acks", "all");
        props.put("linger.ms", "20");
        props.put("batch.size", Integer.toString(256 * 1024));
        props.put("compression.type", "lz4");
        long now = System.currentTimeMillis();
        try (KafkaProducer<byte[], byte[]> producer =
                     new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < users; i++) {
                QuotaUpdate update = QuotaUpdate.planChange("bench-user-" + i, QuotaPlan.PRO.name(), null, null, now);
                producer.send(new ProducerRecord<>(topic, null, now,
                        QuotaUpdateCodec.kafkaKey(update).getBytes(StandardCharsets.UTF_8), QuotaUpdateCodec.encode(update)));
            }
            producer.flush();
        }
    }

    /** Waits until the quota operators together count {@code users} plan changes (the REST metrics, summed). */
    private static void awaitPlanChanges(StandaloneCluster cluster, JobID job, long users) throws Exception {
        long deadline = System.nanoTime() + STEP_TIMEOUT.toNanos();
        long seen = -1;
        long lastLog = 0;
        while (System.nanoTime() < deadline) {
            seen = metricSum(cluster, job, PLAN_CHANGES_METRIC);
            if (seen >= users) {
                return;
            }
            if (System.nanoTime() - lastLog > TimeUnit.SECONDS.toNanos(15)) {
                log("  %d of %d plan changes in the state", Math.max(seen, 0), users);
                lastLog = System.nanoTime();
            }
            Thread.sleep(1_000);
        }
        throw new IllegalStateException(seen + " of " + users + " plan changes reached the quota state within " + STEP_TIMEOUT);
    }

    /** The sum over every subtask of every vertex of the metrics whose name ends with {@code name}; -1 if none yet. */
    private static long metricSum(StandaloneCluster cluster, JobID job, String name) throws Exception {
        long sum = -1;
        for (JsonNode vertex : cluster.get("/jobs/" + job).path("vertices")) {
            String base = "/jobs/" + job + "/vertices/" + vertex.path("id").asText() + "/subtasks/metrics";
            for (JsonNode metric : cluster.get(base)) {
                String id = metric.path("id").asText();
                if (id.endsWith("." + name) || id.equals(name)) {
                    for (JsonNode value : cluster.get(base + "?agg=sum&get=" + URLEncoder.encode(id, StandardCharsets.UTF_8))) {
                        sum = Math.max(sum, 0) + value.path("sum").asLong();
                    }
                }
            }
        }
        return sum;
    }

    /** The first completed checkpoint (not a savepoint) triggered after {@code epochMs}. */
    private static JsonNode awaitCheckpointTriggeredAfter(StandaloneCluster cluster, JobID job, long epochMs)
            throws Exception {
        long deadline = System.nanoTime() + STEP_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            for (JsonNode checkpoint : cluster.get("/jobs/" + job + "/checkpoints").path("history")) {
                if (checkpoint.path("status").asText().equals("COMPLETED") && !checkpoint.path("is_savepoint").asBoolean()
                        && checkpoint.path("trigger_timestamp").asLong() > epochMs) {
                    return checkpoint;
                }
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("no checkpoint completed within " + STEP_TIMEOUT);
    }

    private static Map<String, Object> checkpointFigures(JsonNode checkpoint, int users) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", checkpoint.path("id").asLong());
        m.put("state_size", checkpoint.path("state_size").asLong());
        m.put("checkpointed_size", checkpoint.path("checkpointed_size").asLong());
        m.put("state_bytes_per_user", (double) checkpoint.path("state_size").asLong() / users);
        m.put("end_to_end_duration_ms", checkpoint.path("end_to_end_duration").asLong());
        return m;
    }

    private static long sizeOnDisk(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private static String mib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024.0));
    }
}
