package dev.streaminfer.quickstart;

import dev.streaminfer.contract.concurrent.DaemonThreads;
import dev.streaminfer.api.ApiConfig;
import dev.streaminfer.api.IngestApi;
import dev.streaminfer.api.auth.ApiKeyStore;
import dev.streaminfer.cluster.StandaloneCluster;
import dev.streaminfer.jobs.InferenceJob;
import dev.streaminfer.jobs.JobOptions;
import dev.streaminfer.jobs.LocalJobState;
import dev.streaminfer.localstack.LocalStack;
import dev.streaminfer.localstack.ServiceEndpoints;
import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;

/**
 * Runs the whole system in one process on embedded defaults: Kafka, PostgreSQL and Redis (each
 * replaceable by an external one through its environment variable), the Flink job on a local
 * MiniCluster with the Web UI, and the ingest API; then sends demo requests and prints where to
 * look. {@code --demo-and-exit} exits after the demo with a non-zero status if anything failed.
 *
 * <p>{@code --cluster N} runs the job on a real multi-process Flink cluster instead
 * ({@link StandaloneCluster}: a JobManager and N TaskManager JVMs, the adaptive scheduler, RocksDB),
 * submitting the shaded job jar through the REST API. Its state is kept apart from the MiniCluster's
 * (RocksDB checkpoints do not restore into the MiniCluster's heap state), with the same rules:
 * resume from the newest checkpoint or savepoint, savepoint on a clean stop.
 */
public final class Quickstart {

    static final int API_PORT = 8080;
    static final int WEB_UI_PORT = 8081;
    /** The Prometheus reporter of the single-JVM mode (the cluster's ports: {@link StandaloneCluster.Ports#defaults()}). */
    static final int METRICS_PORT = 9249;
    /** The job's parallelism on the cluster: the adaptive scheduler's upper bound, the requests topic's partitions. */
    static final int CLUSTER_MAX_PARALLELISM = 4;

    public static void main(String[] args) throws Exception {
        boolean demoAndExit = List.of(args).contains("--demo-and-exit");
        boolean fresh = List.of(args).contains("--fresh");
        int clusterSize = clusterSize(args);
        Path dataDir = Path.of(System.getProperty("streaminfer.data.dir", ".local-stack")).toAbsolutePath();
        long started = System.nanoTime();

        say("streaminfer quickstart: starting services under %s (logs in %s)", dataDir, dataDir.resolve("logs"));
        LocalStack stack = LocalStack.fromEnvironment(dataDir);
        ServiceEndpoints endpoints;
        try {
            endpoints = stack.start();
        } catch (RuntimeException e) {
            stack.close();
            say("%nCould not start the local services: %s%n%nEach service can be replaced by an external one:"
                    + "%n  KAFKA_BOOTSTRAP_SERVERS=host:9092  POSTGRES_URL=jdbc:postgresql://host/db POSTGRES_USER=.. POSTGRES_PASSWORD=..  REDIS_URL=redis://host:6379", e.getMessage());
            System.exit(2);
            return;
        }
        say("  kafka       %s", endpoints.kafkaBootstrapServers());
        say("  postgresql  %s (migrations applied)", endpoints.postgresUrl());
        say("  redis       %s", endpoints.redisUrl());

        for (DemoKeys k : DemoKeys.ALL) {
            ApiKeyStore.upsert(endpoints.postgresUrl(), endpoints.postgresUser(), endpoints.postgresPassword(),
                    k.key(), k.userId(), k.role(), k.plan());
        }

        Map<String, String> environment = endpoints.asEnvironment();
        LocalJobState jobState = new LocalJobState(dataDir.resolve(clusterSize > 0 ? "flink-cluster" : "flink"));
        if (fresh) {
            jobState.delete();
        }
        say("  job state   %s", jobState.latest().map(p -> "resuming from " + p).orElse("none kept; starting fresh"));
        StandaloneCluster cluster = null;
        JobClient job;
        List<String> scrapeUrls;
        if (clusterSize > 0) {
            say("  flink       starting a JobManager and %d TaskManager JVMs (logs in %s)", clusterSize,
                    dataDir.resolve("cluster").resolve("log"));
            Configuration state = jobState.configure(new Configuration());
            cluster = StandaloneCluster.start(dataDir.resolve("cluster"), StandaloneCluster.Ports.defaults(), clusterSize,
                    state.toMap(), environment);
            Path jar = Path.of(System.getProperty("streaminfer.job.jar", "quickstart/target/job/streaminfer-job.jar"));
            job = cluster.jobClient(cluster.submit(jar, InferenceJob.class.getName(), List.of(),
                    CLUSTER_MAX_PARALLELISM, null));
            scrapeUrls = cluster.scrapeUrls();
        } else {
            Configuration jobConf = jobState.configure(JobOptions.resolve(new String[0], environment));
            jobConf.setString("metrics.reporter.prom.factory.class", "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
            jobConf.setString("metrics.reporter.prom.port", Integer.toString(METRICS_PORT));
            job = InferenceJob.startLocal(jobConf, WEB_UI_PORT, 2);
            scrapeUrls = List.of("http://localhost:" + METRICS_PORT + "/metrics");
        }
        ApiConfig apiConfig = ApiConfig.fromEnvironment(environment);
        if (apiConfig.jobMetricsUrls().isEmpty()) {
            // GET /v1/admin/stats shows the models each TaskManager holds, from these endpoints.
            apiConfig = apiConfig.toBuilder().jobMetricsUrls(scrapeUrls.stream().map(URI::create).toList()).build();
        }
        IngestApi api = IngestApi.start(apiConfig.toBuilder().port(API_PORT).build());

        ScheduledExecutorService maintenance = DaemonThreads.singleThreadScheduler("analytics-rollups");
        // The analytics views read rollups for finished days; keep them fresh as production's cron job would.
        maintenance.scheduleWithFixedDelay(() -> refreshRollups(endpoints), 0, 1, TimeUnit.HOURS);

        CountDownLatch stopped = new CountDownLatch(1);
        StandaloneCluster flinkCluster = cluster;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            say("%nshutting down...");
            shutdown(api, job, jobState, flinkCluster, stack);
            stopped.countDown();
        }, "quickstart-shutdown"));

        try {
            awaitRunning(job, Duration.ofSeconds(60));
        } catch (IllegalStateException e) {
            if (jobState.latest().isPresent()) {
                say("%nThe job could not resume from its kept state (%s). If this build changed the job's"
                        + " operators, start over with: bin/quickstart --fresh", e.getMessage());
            }
            throw e;
        }
        say("  flink job   %s (%s)", InferenceJob.JOB_NAME, job.getJobStatus().get());
        say("  ingest api  http://localhost:%d", api.port());
        say("  metrics     %s (Flink, Prometheus)", String.join(" ", scrapeUrls));
        say("              http://localhost:%d/metrics (ingest API)", api.port());
        say("ready in %.1f s%n", (System.nanoTime() - started) / 1e9);

        say("demo requests:");
        List<DemoClient.Outcome> outcomes = new DemoClient("http://localhost:" + api.port()).run(Duration.ofSeconds(90));
        boolean allOk = true;
        for (DemoClient.Outcome o : outcomes) {
            say("  [%s] %-38s %s", o.ok() ? "ok" : "FAILED", o.label(), o.summary());
            allOk &= o.ok();
        }

        printWhereToLook(endpoints, api.port());
        if (demoAndExit) {
            say(allOk ? "%ndemo passed" : "%ndemo FAILED");
            System.exit(allOk ? 0 : 1);
        }
        say("%nrunning; press Ctrl-C to stop.");
        stopped.await();
    }

    private static void refreshRollups(ServiceEndpoints endpoints) {
        try (Connection c = DriverManager.getConnection(
                     endpoints.postgresUrl(), endpoints.postgresUser(), endpoints.postgresPassword());
             Statement s = c.createStatement()) {
            s.execute("SELECT refresh_usage_rollups()");
        } catch (SQLException e) {
            System.err.println("analytics rollup refresh failed: " + e.getMessage());
        }
    }

    private static void awaitRunning(JobClient job, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            JobStatus status = job.getJobStatus().get(5, TimeUnit.SECONDS);
            if (status == JobStatus.RUNNING) {
                return;
            }
            if (status.isGloballyTerminalState()) {
                throw new IllegalStateException("the Flink job ended: " + status);
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("the Flink job did not reach RUNNING within " + timeout);
    }

    private static void printWhereToLook(ServiceEndpoints endpoints, int apiPort) {
        say("""

                where to look:
                  Flink Web UI   http://localhost:%d
                  ingest API     http://localhost:%d   (demo keys, local use only: demo-alice-key, demo-bob-key, demo-admin-key)
                  try it         curl -s -X POST http://localhost:%d/v1/inference -H 'Authorization: Bearer demo-alice-key' \\
                                      -H 'Content-Type: application/json' -d '{"inputs":["hello world"]}'
                  psql           psql '%s'
                  redis-cli      redis-cli -u %s --scan --pattern 'inference:*'
                  kafka topics   inference-requests, inference-results, inference-dlq, quota-updates, quota-refunds at %s""",
                WEB_UI_PORT, apiPort, apiPort, libpqUrl(endpoints), endpoints.redisUrl(), endpoints.kafkaBootstrapServers());
    }

    /** The JDBC URL as psql understands it. */
    static String libpqUrl(ServiceEndpoints endpoints) {
        String rest = endpoints.postgresUrl().replaceFirst("^jdbc:postgresql://", "");
        return "postgresql://" + endpoints.postgresUser() + ":" + endpoints.postgresPassword() + "@" + rest;
    }

    /** N of {@code --cluster N}; 0 without it (the single-JVM MiniCluster). */
    static int clusterSize(String[] args) {
        List<String> all = List.of(args);
        int at = all.indexOf("--cluster");
        if (at < 0) {
            return 0;
        }
        try {
            int n = Integer.parseInt(at + 1 < all.size() ? all.get(at + 1) : "");
            if (n >= 1 && n <= CLUSTER_MAX_PARALLELISM) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException("--cluster takes the number of TaskManagers, 1 to " + CLUSTER_MAX_PARALLELISM);
    }

    private static void shutdown(IngestApi api, JobClient job, LocalJobState jobState, StandaloneCluster cluster,
                                 LocalStack stack) {
        try {
            api.close();
        } catch (Exception e) {
            say("  api: %s", e.getMessage());
        }
        try {
            // A savepoint holds the quotas, the buffered requests and the offsets they belong to.
            String savepoint = job.stopWithSavepoint(false, jobState.savepoints().toUri().toString(),
                    SavepointFormatType.CANONICAL).get(60, TimeUnit.SECONDS);
            say("  job state saved: %s", savepoint);
        } catch (Exception e) {
            say("  job: no savepoint (%s); the next start resumes from the latest checkpoint", e.getMessage());
            try {
                job.cancel().get(20, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // already gone
            }
        }
        if (cluster != null) {
            cluster.close();
        }
        int pruned = jobState.prune(KEPT_STATES).size();
        if (pruned > 0) {
            say("  older job states deleted: %d (the newest %d kept)", pruned, KEPT_STATES);
        }
        stack.close();
        say("stopped.");
    }

    /** The state the next run resumes from, and one before it to fall back on. */
    private static final int KEPT_STATES = 2;

    private static void say(String format, Object... args) {
        System.out.println(String.format(format, args));
    }

    private Quickstart() {}
}
