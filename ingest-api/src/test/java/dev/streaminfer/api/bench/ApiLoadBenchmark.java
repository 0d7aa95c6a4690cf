package dev.streaminfer.api.bench;

import dev.streaminfer.api.ApiConfig;
import dev.streaminfer.api.IngestApi;
import dev.streaminfer.api.auth.ApiKeyStore;
import dev.streaminfer.api.kafka.KafkaRequestPublisher;
import dev.streaminfer.api.request.InferenceBodyParser;
import dev.streaminfer.contract.registry.ModelRegistry;
import dev.streaminfer.contract.registry.ModelSpec;
import dev.streaminfer.contract.registry.ModelTokenizer;
import io.javalin.Javalin;
import dev.streaminfer.contract.model.InferenceRequest;
import dev.streaminfer.contract.model.Priority;
import dev.streaminfer.contract.serde.InferenceRequestCodec;
import dev.streaminfer.localstack.ServiceEndpoints;
import dev.streaminfer.localstack.TestServices;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Load benchmark of {@code POST /v1/inference} against real Kafka, Redis and PostgreSQL, with
 * {@code wrk} at 64 connections, next to the ceiling measured in the same run: a raw
 * {@link KafkaProducer} with the API's settings writing the same record values, (a) as fast as
 * it can (async) and (b) from 64 threads that each wait for their ack (the HTTP clients' shape).
 * Two more rows say what the API's own work costs on these cores: the HTTP floor (a bare Javalin
 * route answering the same 202 body, same {@code wrk} load) and the request body's parsing and
 * validation with the model's tokenizer on one thread.
 *
 * <p>Every measured phase follows a warm-up of its own at the same load: the JIT compiles the code
 * a phase runs (Jetty, Javalin, Jackson, Lettuce, the producer, and the embedded broker, which
 * shares this JVM) on the same two cores, and keeps at it for about a minute.
 *
 * <p>Run: {@code ingest-api/bench.sh} (args: seconds per phase, default 20; seconds of warm-up
 * before each, default 60). Prints one table.
 */
public final class ApiLoadBenchmark {

    private static final String BODY = "{\"inputs\":[\"The quick brown fox jumps over the lazy dog\","
            + "\"Streaming inference keeps every request accounted for\"],\"priority\":\"normal\"}";
    private static final int CONNECTIONS = 64;

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int warmUp = args.length > 1 ? Integer.parseInt(args[1]) : 60;
        ServiceEndpoints e = TestServices.get().endpoints();
        String key = "bench-" + UUID.randomUUID();
        ApiKeyStore.upsert(e.postgresUrl(), e.postgresUser(), e.postgresPassword(), key, "bench-user", "user", "unlimited");
        ApiConfig config = ApiConfig.builder().port(0).kafkaBootstrapServers(e.kafkaBootstrapServers())
                .postgres(e.postgresUrl(), e.postgresUser(), e.postgresPassword()).redisUrl(e.redisUrl()).build();

        byte[] value = InferenceRequestCodec.encode(new InferenceRequest(UUID.randomUUID().toString(), "bench-user",
                "all-minilm-l6-v2-q", new String[] {"The quick brown fox jumps over the lazy dog",
                "Streaming inference keeps every request accounted for"}, Priority.NORMAL,
                System.currentTimeMillis() + 60_000, System.currentTimeMillis(), 0, null));

        List<String> rows = new ArrayList<>();
        rows.add(String.format("%-56s %10s %10s %10s %14s %10s %10s", "what (" + seconds + " s each, " + warmUp + " s warm-up)", "req/s",
                "p50 ms", "p99 ms", "JVM CPU ms/req", "JIT share", "wrk cores"));

        try (IngestApi api = IngestApi.start(config)) {
            wrk(api.port(), key, CONNECTIONS, warmUp);
            Result http = wrk(api.port(), key, CONNECTIONS, seconds);
            rawProducerClosedLoop(e.kafkaBootstrapServers(), config, value, warmUp);
            Result rawSync = rawProducerClosedLoop(e.kafkaBootstrapServers(), config, value, seconds);
            Result rawAsync = rawProducerAsync(e.kafkaBootstrapServers(), config, value, seconds);
            Result floor = httpFloor(key, warmUp, seconds);
            Result parse = parseAndTokenize(warmUp, seconds);
            rows.add(http.row("HTTP POST /v1/inference, wrk -c64 (load " + http.load + ")"));
            rows.add(floor.row("HTTP floor: bare Javalin 202, wrk -c64 (load " + floor.load + ")"));
            rows.add(parse.row("parse + tokenize the body, 1 thread (load " + parse.load + ")"));
            rows.add(rawSync.row("raw producer, 64 threads send+ack (load " + rawSync.load + ")"));
            rows.add(rawAsync.row("raw producer, async ceiling (load " + rawAsync.load + ")"));
            rows.add(String.format("HTTP / raw 64-thread = %.2f   HTTP / raw async = %.2f",
                    http.rps / rawSync.rps, http.rps / rawAsync.rps));
        }
        System.out.println();
        System.out.println("ingest-api load benchmark, record value " + value.length + " bytes, "
                + Runtime.getRuntime().availableProcessors() + " cores");
        rows.forEach(System.out::println);
        System.exit(0);
    }

    /**
     * Throughput, latency, the CPU this JVM (the API or the raw producer, and the embedded broker)
     * spent per request, the cores wrk kept busy, and the 1-minute load average when the phase
     * ended: on two shared cores the load generator's own CPU is part of the comparison.
     */
    record Result(double rps, double p50Ms, double p99Ms, double jvmCpuMsPerRequest, double jitShare,
                  double wrkCores, String load) {
        /** @param requests how many requests the phase completed while {@code cpu} was measured */
        Result(double rps, double p50Ms, double p99Ms, Cpu cpu, long requests) {
            this(rps, p50Ms, p99Ms, cpu.jvmSeconds() * 1000 / requests, cpu.jitSeconds() / cpu.jvmSeconds(),
                    cpu.wrkSeconds() / cpu.elapsedSeconds(), loadAverage());
        }

        String row(String name) {
            return String.format("%-56s %10.0f %10.2f %10.2f %14.3f %9.0f%% %10s", name, rps, p50Ms, p99Ms,
                    jvmCpuMsPerRequest, 100 * jitShare, wrkCores > 0 ? String.format("%.2f", wrkCores) : "-");
        }
    }

    /**
     * CPU seconds of this JVM, of its JIT compiler threads (still compiling the code the phase runs:
     * part of the JVM's figure that a long-running server no longer pays) and of wrk, over one phase
     * of {@code elapsedSeconds}.
     */
    record Cpu(double jvmSeconds, double jitSeconds, double wrkSeconds, double elapsedSeconds) {}

    /** Measures this JVM's CPU (and wrk's, when given its process) from now on. */
    private static final class CpuMeter {
        private final long t0 = System.nanoTime();
        private final Duration jvm0 = jvmCpu();
        private final double jit0 = jitSeconds();
        private volatile Duration wrk = Duration.ZERO;

        /** Samples wrk's CPU while it runs (its figure is gone once it has exited). */
        void follow(Process process) {
            Thread sampler = new Thread(() -> {
                while (process.isAlive()) {
                    process.info().totalCpuDuration().ifPresent(d -> wrk = d);
                    try {
                        Thread.sleep(200);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "wrk-cpu-sampler");
            sampler.setDaemon(true);
            sampler.start();
        }

        Cpu stop() {
            return new Cpu((jvmCpu().toNanos() - jvm0.toNanos()) / 1e9, jitSeconds() - jit0,
                    wrk.toNanos() / 1e9, (System.nanoTime() - t0) / 1e9);
        }

        /**
         * CPU seconds of this JVM's JIT compiler threads, from {@code /proc} (they are not Java
         * threads the management beans see; the compilation-time bean counts elapsed time, which on
         * two loaded cores includes the time a compiler thread waits for a core). 0 off Linux.
         */
        private static double jitSeconds() {
            long ticks = 0;
            try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
                for (Path task : tasks) {
                    try {
                        if (!Files.readString(task.resolve("comm")).contains("CompilerThre")) {
                            continue; // the comm of "C2 CompilerThread0", cut to 15 characters
                        }
                        String stat = Files.readString(task.resolve("stat"));
                        // Fields after the parenthesised name: state is 3rd, utime 14th, stime 15th.
                        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                        ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
                    } catch (IOException | RuntimeException e) {
                        // the thread ended meanwhile
                    }
                }
            } catch (IOException e) {
                return 0;
            }
            return ticks / 100.0; // USER_HZ
        }

        private static Duration jvmCpu() {
            return ProcessHandle.current().info().totalCpuDuration().orElse(Duration.ZERO);
        }
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    /** The same {@code wrk} load against a Javalin route that answers the API's 202 body at once. */
    private static Result httpFloor(String key, int warmUp, int seconds) throws IOException, InterruptedException {
        String accepted = "{\"request_id\":\"" + UUID.randomUUID() + "\",\"status\":\"queued\",\"status_url\":"
                + "\"/v1/requests/" + UUID.randomUUID() + "\"}";
        Javalin floor = Javalin.create(cfg -> {
            cfg.showJavalinBanner = false;
            cfg.startupWatcherEnabled = false;
        }).post("/v1/inference", ctx -> ctx.status(202).contentType("application/json").result(accepted)).start(0);
        try {
            wrk(floor.port(), key, CONNECTIONS, warmUp);
            return wrk(floor.port(), key, CONNECTIONS, seconds);
        } finally {
            floor.stop();
        }
    }

    /** What the API does with the body before any I/O, on one thread: requests per second of one core. */
    private static Result parseAndTokenize(int warmUp, int seconds) {
        ModelRegistry registry = ModelRegistry.bundled();
        ModelSpec spec = registry.find(registry.defaultModel()).orElseThrow();
        try (ModelTokenizer tokenizer = ModelTokenizer.load(spec)) {
            InferenceBodyParser parser = new InferenceBodyParser(registry, model -> tokenizer);
            byte[] body = BODY.getBytes(StandardCharsets.UTF_8);
            parseFor(parser, body, warmUp);
            CpuMeter cpu = new CpuMeter();
            long t0 = System.nanoTime();
            long parsed = parseFor(parser, body, seconds);
            double elapsed = (System.nanoTime() - t0) / 1e9;
            return new Result(parsed / elapsed, Double.NaN, Double.NaN, cpu.stop(), parsed);
        }
    }

    private static long parseFor(InferenceBodyParser parser, byte[] body, int seconds) {
        long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        long parsed = 0;
        while (System.nanoTime() < end) {
            if (!parser.parse(body).isValid()) {
                throw new IllegalStateException("the benchmark's body is not valid");
            }
            parsed++;
        }
        return parsed;
    }

    private static Result wrk(int port, String key, int connections, int seconds) throws IOException,
            InterruptedException {
        Path script = Files.createTempFile("wrk-post", ".lua");
        Files.writeString(script, "wrk.method = \"POST\"\n"
                + "wrk.body = '" + BODY + "'\n"
                + "wrk.headers[\"Content-Type\"] = \"application/json\"\n"
                + "wrk.headers[\"Authorization\"] = \"Bearer " + key + "\"\n"
                + "local non202 = 0\n"
                + "response = function(status, headers, body) if status ~= 202 then non202 = non202 + 1 end end\n");
        CpuMeter cpu = new CpuMeter();
        Process p = new ProcessBuilder("wrk", "-t2", "-c" + connections, "-d" + seconds + "s", "--latency",
                "-s", script.toString(), "http://127.0.0.1:" + port + "/v1/inference")
                .redirectErrorStream(true).start();
        cpu.follow(p);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        Files.deleteIfExists(script);
        if (out.contains("Non-2xx")) {
            throw new IllegalStateException("the API answered errors under load:\n" + out);
        }
        return new Result(number(out, "Requests/sec:\\s+([0-9.]+)"), millis(out, "50%"), millis(out, "99%"),
                cpu.stop(), (long) number(out, "([0-9]+) requests in"));
    }

    private static double number(String out, String regex) {
        Matcher m = Pattern.compile(regex).matcher(out);
        if (!m.find()) {
            throw new IllegalStateException("unexpected wrk output:\n" + out);
        }
        return Double.parseDouble(m.group(1));
    }

    /** wrk prints latencies like {@code 50%    1.23ms} or {@code 99%  12.00us} / {@code 1.02s}. */
    private static double millis(String out, String percentile) {
        Matcher m = Pattern.compile(percentile + "\\s+([0-9.]+)(us|ms|s)").matcher(out);
        if (!m.find()) {
            throw new IllegalStateException("no " + percentile + " in wrk output:\n" + out);
        }
        double v = Double.parseDouble(m.group(1));
        return switch (m.group(2)) {
            case "us" -> v / 1000;
            case "s" -> v * 1000;
            default -> v;
        };
    }

    private static Result rawProducerClosedLoop(String bootstrap, ApiConfig config, byte[] value, int seconds)
            throws InterruptedException {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                KafkaRequestPublisher.producerProperties(bootstrap, config.kafkaTimeout()))) {
            long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
            long[][] latencies = new long[CONNECTIONS][1 << 20];
            int[] counts = new int[CONNECTIONS];
            Thread[] threads = new Thread[CONNECTIONS];
            CpuMeter cpu = new CpuMeter(); // after the latency arrays: zeroing them is not a send
            for (int t = 0; t < CONNECTIONS; t++) {
                int id = t;
                threads[t] = new Thread(() -> {
                    byte[] userKey = "bench-user".getBytes(StandardCharsets.UTF_8);
                    while (System.nanoTime() < end) {
                        long t0 = System.nanoTime();
                        try {
                            producer.send(new ProducerRecord<>(config.requestsTopic(), userKey, value)).get();
                        } catch (Exception ex) {
                            throw new IllegalStateException(ex);
                        }
                        if (counts[id] < latencies[id].length) {
                            latencies[id][counts[id]++] = System.nanoTime() - t0;
                        }
                    }
                });
                threads[t].start();
            }
            long t0 = System.nanoTime();
            for (Thread t : threads) {
                t.join();
            }
            double elapsed = (System.nanoTime() - t0) / 1e9;
            int total = Arrays.stream(counts).sum();
            long[] all = new long[total];
            int at = 0;
            for (int t = 0; t < CONNECTIONS; t++) {
                System.arraycopy(latencies[t], 0, all, at, counts[t]);
                at += counts[t];
            }
            Arrays.sort(all);
            return new Result(total / elapsed, all[total / 2] / 1e6, all[(int) (total * 0.99)] / 1e6, cpu.stop(),
                    total);
        }
    }

    private static Result rawProducerAsync(String bootstrap, ApiConfig config, byte[] value, int seconds)
            throws InterruptedException {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                KafkaRequestPublisher.producerProperties(bootstrap, config.kafkaTimeout()))) {
            byte[] userKey = "bench-user".getBytes(StandardCharsets.UTF_8);
            long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
            CpuMeter cpu = new CpuMeter();
            AtomicLong acked = new AtomicLong();
            long sent = 0;
            long t0 = System.nanoTime();
            while (System.nanoTime() < end) {
                producer.send(new ProducerRecord<>(config.requestsTopic(), userKey, value),
                        (m, ex) -> acked.incrementAndGet());
                sent++;
            }
            producer.flush();
            double elapsed = (System.nanoTime() - t0) / 1e9;
            return new Result(acked.get() / elapsed, Double.NaN, Double.NaN, cpu.stop(), acked.get());
        }
    }
}
