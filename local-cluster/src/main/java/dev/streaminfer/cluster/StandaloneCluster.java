package dev.streaminfer.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.flink.client.deployment.ClusterClientJobClientAdapter;
import org.apache.flink.client.deployment.StandaloneClusterId;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessSpec;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessUtils;
import org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint;
import org.apache.flink.runtime.jobmanager.JobManagerProcessSpec;
import org.apache.flink.runtime.jobmanager.JobManagerProcessUtils;
import org.apache.flink.runtime.taskexecutor.TaskManagerRunner;
import org.apache.flink.runtime.util.config.memory.ProcessMemoryUtils;

/**
 * A real multi-process Flink session cluster on this machine: one JobManager JVM
 * ({@link StandaloneSessionClusterEntrypoint}) and TaskManager JVMs ({@link TaskManagerRunner}),
 * started from Flink's own entry points on the classpath of a Flink distribution's {@code lib/}
 * (this module's dependencies) with a generated {@code config.yaml}: the adaptive scheduler, one
 * slot per TaskManager (so the job's parallelism follows the number of TaskManagers), RocksDB,
 * and a Prometheus reporter on its own port per process. The memory flags are the ones Flink's
 * start scripts would compute ({@link ProcessMemoryUtils}).
 *
 * <p>Every JVM runs under {@link ChildProcess} and ends with its launcher; {@link #close()} stops
 * them gracefully (SIGTERM), first the TaskManagers.
 */
public final class StandaloneCluster implements AutoCloseable {

    /** The ports of a cluster; TaskManager {@code n} (counting from 0, in start order) reports metrics on {@code firstTaskManagerMetrics + n}. */
    public record Ports(int rest, int rpc, int jobManagerMetrics, int firstTaskManagerMetrics) {

        /** Flink's defaults: Web UI and REST 8081, RPC 6123, Prometheus 9249 (JobManager), 9250, 9251, ... (TaskManagers). */
        public static Ports defaults() {
            return new Ports(8081, 6123, 9249, 9250);
        }

        /** Free ports, for tests (TaskManager metrics on free ports too, one per {@code maxTaskManagers}). */
        public static Ports free(int maxTaskManagers) {
            int rest = freePort();
            int rpc = freePort();
            int jm = freePort();
            int first = freeRange(maxTaskManagers);
            return new Ports(rest, rpc, jm, first);
        }

        public int taskManagerMetrics(int index) {
            return firstTaskManagerMetrics + index;
        }
    }

    /** One TaskManager JVM. */
    public record TaskManager(String id, int metricsPort, Process process) {}

    /**
     * Packages of the job's libraries that load native code: loaded parent-first, from this
     * module's classpath, since a native library loads into one class loader per JVM and each job
     * of a session cluster has its own.
     */
    static final List<String> NATIVE_LIBRARY_PACKAGES = List.of("ai.djl.", "ai.onnxruntime.");

    /** Short, in the system's temporary folder: see the RocksDB setting in {@link #settings}. */
    private static final String ROCKSDB_DIR_PREFIX = "rdb";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CLASSPATH_RESOURCE = "cluster-classpath.txt";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    /** The module access Flink needs on Java 17 (as its distribution's default JVM options). */
    private static final List<String> JAVA_OPTIONS = List.of(
            "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
            "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
            "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.net=ALL-UNNAMED",
            "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens=java.base/java.text=ALL-UNNAMED",
            "--add-opens=java.base/java.time=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED");

    private final Path dir;
    private final Path rocksDbDir;
    private final Ports ports;
    private final Map<String, String> environment;
    private final Configuration configuration;
    private final String classpath;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<TaskManager> taskManagers = new CopyOnWriteArrayList<>();
    private final Process jobManager;
    private final Configuration clientConfiguration = new Configuration();
    private int started;

    private StandaloneCluster(Path dir, Ports ports, Map<String, String> flinkConfiguration,
                              Map<String, String> environment) throws Exception {
        this.dir = dir.toAbsolutePath();
        this.ports = ports;
        this.environment = Map.copyOf(environment);
        Files.createDirectories(this.dir.resolve("conf"));
        Files.createDirectories(this.dir.resolve("log"));
        Files.createDirectories(this.dir.resolve("tmp"));
        this.rocksDbDir = Files.createTempDirectory(ROCKSDB_DIR_PREFIX);
        Map<String, String> settings = settings(this.dir, ports, rocksDbDir);
        settings.putAll(flinkConfiguration);
        writeConfiguration(confDir(), settings);
        this.configuration = GlobalConfiguration.loadConfiguration(confDir().toString());
        this.classpath = classpath();
        JobManagerProcessSpec spec = JobManagerProcessUtils.processSpecFromConfig(configuration);
        List<String> jvm = split(JobManagerProcessUtils.generateJvmParametersStr(spec, configuration));
        List<String> args = new ArrayList<>(split(JobManagerProcessUtils.generateDynamicConfigsStr(spec)));
        args.addAll(List.of("-D", "metrics.reporter.prom.port=" + ports.jobManagerMetrics()));
        this.jobManager = launch("jobmanager", jvm, StandaloneSessionClusterEntrypoint.class, args);
        clientConfiguration.set(RestOptions.ADDRESS, "localhost");
        clientConfiguration.set(RestOptions.PORT, ports.rest());
    }

    /**
     * Starts the JobManager and {@code taskManagers} TaskManagers with their folders under {@code dir}
     * ({@code conf/}, {@code log/}, {@code tmp/}) and waits until all TaskManagers have registered.
     *
     * @param flinkConfiguration settings on top of this cluster's (state folders, for example)
     * @param environment        variables every process gets (the job reads its services from them)
     */
    public static StandaloneCluster start(Path dir, Ports ports, int taskManagers,
                                          Map<String, String> flinkConfiguration, Map<String, String> environment)
            throws Exception {
        StandaloneCluster cluster = new StandaloneCluster(dir, ports, flinkConfiguration, environment);
        try {
            for (int i = 0; i < taskManagers; i++) {
                cluster.addTaskManager();
            }
            cluster.awaitTaskManagers(taskManagers, START_TIMEOUT);
            return cluster;
        } catch (Exception | Error e) {
            cluster.close();
            throw e;
        }
    }

    /** The settings this cluster runs with, before any given on top. */
    static Map<String, String> settings(Path dir, Ports ports, Path rocksDbDir) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("jobmanager.rpc.address", "localhost");
        s.put("jobmanager.rpc.port", Integer.toString(ports.rpc()));
        s.put("jobmanager.bind-host", "localhost");
        s.put("taskmanager.bind-host", "localhost");
        s.put("taskmanager.host", "localhost");
        s.put("rest.address", "localhost");
        s.put("rest.bind-address", "localhost");
        s.put("rest.port", Integer.toString(ports.rest()));
        // the shaded job jar (ONNX Runtime and the models) is larger than the 100 MiB REST default
        s.put("rest.server.max-content-length", Integer.toString(1 << 30));
        s.put("io.tmp.dirs", dir.resolve("tmp").toString());
        s.put("web.upload.dir", dir.resolve("tmp").toString());
        // small JVMs: a 2-core, 24 GiB machine runs the JobManager and up to four TaskManagers besides the services
        s.put("jobmanager.memory.process.size", "768m");
        s.put("taskmanager.memory.process.size", "1g");
        s.put("taskmanager.memory.managed.fraction", "0.2");
        s.put("taskmanager.numberOfTaskSlots", "1");
        // the adaptive scheduler rescales the running job to the slots there are
        s.put("jobmanager.scheduler", "adaptive");
        s.put("jobmanager.adaptive-scheduler.executing.cooldown-after-rescaling", "5 s");
        s.put("jobmanager.adaptive-scheduler.executing.resource-stabilization-timeout", "5 s");
        s.put("jobmanager.adaptive-scheduler.submission.resource-stabilization-timeout", "5 s");
        // a TaskManager that died is noticed in seconds, not in the default 50 s
        s.put("heartbeat.interval", "2 s");
        s.put("heartbeat.timeout", "10 s");
        s.put("state.backend.type", "rocksdb");
        s.put("state.backend.incremental", "true");
        // RocksDB names its log file in Flink's log folder after the whole path of the instance
        // (folder, job, operator, subtask, uuid): under a deep io.tmp.dirs that name passes 255
        // characters and the restore after a rescale fails ("File name too long")
        s.put("state.backend.rocksdb.localdir", rocksDbDir.toString());
        s.put("restart-strategy.type", "exponential-delay");
        s.put("restart-strategy.exponential-delay.initial-backoff", "1 s");
        s.put("restart-strategy.exponential-delay.max-backoff", "1 min");
        // the job's JNI libraries come from lib/ (this module's dependencies), loaded once per JVM, not once per job
        s.put(CoreOptions.ALWAYS_PARENT_FIRST_LOADER_PATTERNS_ADDITIONAL.key(), String.join(";", NATIVE_LIBRARY_PACKAGES));
        s.put("metrics.reporters", "prom");
        s.put("metrics.reporter.prom.factory.class", "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
        return s;
    }

    /** Starts one more TaskManager; returns without waiting for it to register. */
    public synchronized TaskManager addTaskManager() throws IOException {
        int index = started++;
        String id = "taskmanager-" + index;
        int metricsPort = ports.taskManagerMetrics(index);
        TaskExecutorProcessSpec spec = TaskExecutorProcessUtils.processSpecFromConfig(configuration);
        List<String> args = new ArrayList<>(split(TaskExecutorProcessUtils.generateDynamicConfigsStr(spec)));
        args.addAll(List.of("-D", "taskmanager.resource-id=" + id, "-D", "metrics.reporter.prom.port=" + metricsPort));
        Process process = launch(id, split(ProcessMemoryUtils.generateJvmParametersStr(spec)), TaskManagerRunner.class, args);
        TaskManager taskManager = new TaskManager(id, metricsPort, process);
        taskManagers.add(taskManager);
        return taskManager;
    }

    /** {@code kill -9}: the process dies at once, as on a machine failure. */
    public void kill(TaskManager taskManager) throws InterruptedException {
        taskManagers.remove(taskManager);
        taskManager.process().destroyForcibly();
        taskManager.process().waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }

    /** Stops a TaskManager gracefully (SIGTERM), as a scale-down does. */
    public void stop(TaskManager taskManager) throws InterruptedException {
        taskManagers.remove(taskManager);
        stopProcess(taskManager.process());
    }

    /** The TaskManagers started and not stopped, oldest first. */
    public List<TaskManager> taskManagers() {
        return List.copyOf(taskManagers);
    }

    /** Waits until exactly {@code count} TaskManagers are registered with the JobManager. */
    public void awaitTaskManagers(int count, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        int registered = -1;
        while (System.nanoTime() < deadline) {
            if (!jobManager.isAlive()) {
                throw new IllegalStateException("the JobManager exited (" + jobManager.exitValue() + "); see " + logFile("jobmanager"));
            }
            registered = registeredTaskManagers();
            if (registered == count) {
                return;
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException(registered + " of " + count + " TaskManagers registered within " + timeout
                + "; logs in " + dir.resolve("log"));
    }

    private int registeredTaskManagers() throws InterruptedException {
        try {
            return get("/taskmanagers").path("taskmanagers").size();
        } catch (IOException notUpYet) {
            return -1;
        }
    }

    /**
     * Uploads {@code jar} and runs its {@code entryClass} through the REST API, as {@code flink run}
     * or the Web UI's "Submit New Job" do: the job's {@code main} runs in the JobManager.
     *
     * @param parallelism the job's parallelism, the upper bound the adaptive scheduler scales up to
     * @param restoreFrom a savepoint or retained checkpoint to start from; null for none
     */
    public JobID submit(Path jar, String entryClass, List<String> programArgs, int parallelism, String restoreFrom)
            throws Exception {
        String boundary = "----streaminfer" + System.nanoTime();
        byte[] head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\""
                + jar.getFileName() + "\"\r\nContent-Type: application/java-archive\r\n\r\n").getBytes(StandardCharsets.UTF_8);
        byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
        JsonNode uploaded = call(HttpRequest.newBuilder(URI.create(webUrl() + "/jars/upload"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.concat(HttpRequest.BodyPublishers.ofByteArray(head),
                        HttpRequest.BodyPublishers.ofFile(jar), HttpRequest.BodyPublishers.ofByteArray(tail))));
        String jarId = Path.of(uploaded.path("filename").asText()).getFileName().toString();
        ObjectNode run = JSON.createObjectNode();
        run.put("entryClass", entryClass);
        run.put("parallelism", parallelism);
        programArgs.forEach(run.putArray("programArgsList")::add);
        if (restoreFrom != null) {
            run.put("savepointPath", restoreFrom);
        }
        JsonNode submitted = call(HttpRequest.newBuilder(URI.create(webUrl() + "/jars/" + jarId + "/run"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(run))));
        return JobID.fromHexString(submitted.path("jobid").asText());
    }

    /** The parallelism each vertex of a job runs at now, by vertex name, as the REST API reports it. */
    public Map<String, Integer> vertexParallelism(JobID jobId) throws IOException, InterruptedException {
        Map<String, Integer> parallelism = new LinkedHashMap<>();
        for (JsonNode vertex : get("/jobs/" + jobId).path("vertices")) {
            parallelism.put(vertex.path("name").asText(), vertex.path("parallelism").asInt());
        }
        return parallelism;
    }

    /**
     * Waits until the job runs with every vertex at {@code parallelism} and all its tasks running:
     * after a submission, a failover or a rescale of the adaptive scheduler.
     *
     * @return how long it took
     */
    public Duration awaitRunning(JobID jobId, int parallelism, Duration timeout) throws Exception {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        JsonNode job = null;
        while (System.nanoTime() < deadline) {
            try {
                job = get("/jobs/" + jobId);
                if (runsAt(job, parallelism)) {
                    return Duration.ofNanos(System.nanoTime() - start);
                }
                if (job.path("state").asText().equals("FAILED") || job.path("state").asText().equals("CANCELED")
                        || job.path("state").asText().equals("FINISHED")) {
                    throw new IllegalStateException("job " + jobId + " ended: " + job.path("state").asText()
                            + "; see " + logFile("jobmanager"));
                }
            } catch (IOException notKnownYet) {
                // a job submitted a moment ago may not be listed yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("job " + jobId + " not running at parallelism " + parallelism + " within "
                + timeout + "; last: " + (job == null ? "none" : describe(job)));
    }

    /** Whether a job's REST details show it running, every vertex at {@code parallelism} with all tasks running. */
    static boolean runsAt(JsonNode job, int parallelism) {
        if (!job.path("state").asText().equals("RUNNING") || job.path("vertices").isEmpty()) {
            return false;
        }
        for (JsonNode vertex : job.path("vertices")) {
            if (vertex.path("parallelism").asInt() != parallelism
                    || vertex.at("/tasks/RUNNING").asInt() != parallelism) {
                return false;
            }
        }
        return true;
    }

    private static String describe(JsonNode job) {
        StringBuilder s = new StringBuilder(job.path("state").asText());
        job.path("vertices").forEach(v -> s.append(", ").append(v.path("name").asText()).append(" ")
                .append(v.at("/tasks/RUNNING").asInt()).append("/").append(v.path("parallelism").asInt())
                .append(" running"));
        return s.toString();
    }

    /** GET of a REST path ({@code /jobs/<id>}, for example) as JSON. */
    public JsonNode get(String path) throws IOException, InterruptedException {
        return call(HttpRequest.newBuilder(URI.create(webUrl() + path)).GET());
    }

    private JsonNode call(HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(request.timeout(Duration.ofMinutes(2)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() / 100 != 2) {
            throw new IOException(response.request().method() + " " + response.request().uri().getPath() + ": "
                    + response.statusCode() + " " + response.body());
        }
        return JSON.readTree(response.body());
    }

    /** A {@link JobClient} for a job of this cluster: status, savepoints, cancel, as for a local job. */
    public JobClient jobClient(JobID jobId) {
        // the adapter closes the client after every request, so each request gets a new one
        return new ClusterClientJobClientAdapter<>(() -> {
            try {
                return new RestClusterClient<>(clientConfiguration, StandaloneClusterId.getInstance());
            } catch (Exception e) {
                throw new IllegalStateException("cannot create a REST client for " + webUrl(), e);
            }
        }, jobId, StandaloneCluster.class.getClassLoader());
    }

    public String webUrl() {
        return "http://localhost:" + ports.rest();
    }

    /** The Prometheus scrape URLs: the JobManager's, then each running TaskManager's. */
    public List<String> scrapeUrls() {
        List<String> urls = new ArrayList<>();
        urls.add("http://localhost:" + ports.jobManagerMetrics() + "/metrics");
        taskManagers.forEach(tm -> urls.add("http://localhost:" + tm.metricsPort() + "/metrics"));
        return urls;
    }

    public Path logFile(String process) {
        return dir.resolve("log").resolve(process + ".log");
    }

    @Override
    public void close() {
        List<TaskManager> running = taskManagers();
        taskManagers.clear();
        running.forEach(tm -> tm.process().destroy());
        try {
            for (TaskManager taskManager : running) {
                stopProcess(taskManager.process());
            }
            stopProcess(jobManager);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running.forEach(tm -> tm.process().destroyForcibly());
            jobManager.destroyForcibly();
        }
        deleteRecursively(rocksDbDir);
    }

    private static void stopProcess(Process process) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        }
    }

    private Process launch(String name, List<String> jvmOptions, Class<?> entryPoint, List<String> entryArgs)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(JAVA_OPTIONS);
        command.add("-Dlog.file=" + logFile(name));
        command.add("-Dlog4j.configurationFile=" + confDir().resolve("log4j2.properties").toUri());
        command.addAll(List.of("-cp", classpath, ChildProcess.class.getName(),
                Long.toString(ProcessHandle.current().pid()), entryPoint.getName(), "--configDir", confDir().toString()));
        command.addAll(entryArgs);
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("log").resolve(name + ".out").toFile());
        builder.environment().putAll(environment);
        return builder.start();
    }

    private Path confDir() {
        return dir.resolve("conf");
    }

    /** Writes {@code config.yaml} (every value a single-quoted YAML string) and the log configuration into {@code confDir}. */
    static void writeConfiguration(Path confDir, Map<String, String> settings) throws IOException {
        StringBuilder yaml = new StringBuilder("# Generated by dev.streaminfer.cluster.StandaloneCluster at each start.\n");
        settings.forEach((k, v) -> yaml.append(k).append(": '").append(v.replace("'", "''")).append("'\n"));
        Files.writeString(confDir.resolve("config.yaml"), yaml.toString());
        try (InputStream log4j = StandaloneCluster.class.getResourceAsStream("log4j2-cluster.properties")) {
            Files.write(confDir.resolve("log4j2.properties"), log4j.readAllBytes());
        }
    }

    /** This module's runtime classpath as Maven resolved it, plus this module itself (for {@link ChildProcess}). */
    static String classpath() throws IOException {
        try (InputStream in = StandaloneCluster.class.getResourceAsStream(CLASSPATH_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(CLASSPATH_RESOURCE + " is missing: build local-cluster with Maven");
            }
            String self;
            try {
                self = Path.of(StandaloneCluster.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
            } catch (java.net.URISyntaxException e) {
                throw new IllegalStateException(e);
            }
            return self + java.io.File.pathSeparator + new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        }
    }

    /** Best effort: a TaskManager killed with {@code kill -9} leaves its RocksDB instances behind. */
    private static void deleteRecursively(Path folder) {
        try (java.util.stream.Stream<Path> all = Files.walk(folder)) {
            all.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // a temporary folder; the system cleans it up eventually
        }
    }

    private static List<String> split(String flags) {
        return Arrays.stream(flags.trim().split("\\s+")).filter(s -> !s.isEmpty()).toList();
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The first of {@code count} consecutive ports that are free now. */
    private static int freeRange(int count) {
        for (int attempt = 0; attempt < 100; attempt++) {
            int first = freePort();
            boolean allFree = true;
            for (int p = first + 1; p < first + count && allFree; p++) {
                try (ServerSocket ignored = new ServerSocket(p)) {
                    // free
                } catch (IOException taken) {
                    allFree = false;
                }
            }
            if (allFree && first + count < 65536) {
                return first;
            }
        }
        throw new IllegalStateException("no " + count + " consecutive free ports");
    }
}
