package dev.streaminfer.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.streaminfer.functions.batching.BatchingOptions;
import dev.streaminfer.functions.inference.EmbeddingModel;
import dev.streaminfer.contract.registry.ModelRegistry;
import dev.streaminfer.contract.registry.ModelSpec;
import dev.streaminfer.functions.inference.SessionSettings;
import dev.streaminfer.functions.inference.SharedModels;
import dev.streaminfer.localstack.LocalStack;
import dev.streaminfer.localstack.ServiceEndpoints;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The benchmark of issues 5 and 13, in one run on one machine with the same texts, for the default
 * (quantized) model and a float32 model:
 * <ul>
 *   <li>(a1) the best raw configuration: a plain loop calling ONNX Runtime ({@link Ceiling}), swept
 *       over callers × intra-op threads × batch size × layout (one text per call, padded batches,
 *       length-aware batches);</li>
 *   <li>(b) the pipeline end to end with its default batching: Kafka in, quota, micro-batching,
 *       inference, sinks on (PostgreSQL, Redis, Kafka results), on an in-process MiniCluster
 *       ({@link PipelinePoint});</li>
 *   <li>(c) record at a time: the same job and operator with {@code max-texts=1} and no wait.</li>
 * </ul>
 * For (b) and (c): capacity (burst), open-loop p50/p99 at 30, 70 and 90% of each one's own
 * capacity, and the idle round trip (one request, nothing else running, send to result in Redis)
 * next to the time of one raw inference. Raw numbers go to {@code bench/results/pipeline-<time>.json},
 * the plot to {@code .png} next to it, both copied to {@code latest.json} / {@code latest.png}; the
 * last line printed is the ratios of the default model, for scripts.
 *
 * With {@code --profile}, (b) of the default model runs under async-profiler ({@link Profile}).
 *
 * <pre>bin/bench [--quick] [--profile] [--requests MAX] [--burst-seconds S] [--open-seconds S] [--idle N] [--out DIR]</pre>
 */
public final class PipelineBenchmark {

    private static final double[] OPEN_FACTORS = {0.3, 0.7, 0.9};
    private static final List<String> MODELS = List.of(ModelRegistry.DEFAULT_MODEL, "all-minilm-l6-v2");

    private PipelineBenchmark() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> a = parse(args);
        boolean quick = a.containsKey("quick");
        int maxRequests = Integer.parseInt(a.getOrDefault("requests", quick ? "1000" : "2000"));
        double burstSeconds = Double.parseDouble(a.getOrDefault("burst-seconds", quick ? "4" : "6"));
        double openSeconds = Double.parseDouble(a.getOrDefault("open-seconds", quick ? "4" : "8"));
        int idleRequests = Integer.parseInt(a.getOrDefault("idle", quick ? "10" : "20"));
        double rawSeconds = quick ? 1.5 : 3;
        Path out = Path.of(a.getOrDefault("out", "bench/results"));
        boolean profileOn = a.containsKey("profile");

        long started = System.nanoTime();
        Map<String, Object> report = new LinkedHashMap<>();
        String loadStart = loadavg();
        log("load average at start: %s  (cores: %d)", loadStart, Runtime.getRuntime().availableProcessors());
        report.put("started_at", Instant.now().toString());
        report.put("machine", Map.of("cores", Runtime.getRuntime().availableProcessors(), "loadavg_start", loadStart,
                "java", System.getProperty("java.version"), "os", System.getProperty("os.name") + " " + System.getProperty("os.arch")));
        report.put("parameters", Map.of("quick", quick, "max_requests_per_burst", maxRequests, "burst_seconds_at_a1", burstSeconds,
                "open_seconds", openSeconds, "open_load_factors", OPEN_FACTORS, "idle_requests", idleRequests,
                "parallelism", PipelinePoint.PARALLELISM, "users", PipelinePoint.USERS,
                "b_settings", DEFAULTS, "c_settings", RECORD_AT_A_TIME));

        ModelRegistry registry = ModelRegistry.bundled();
        List<String> texts = BenchmarkTexts.generate(4096, 42);
        List<Map<String, Object>> perModel = new ArrayList<>();
        List<Plot.Curve> curves = new ArrayList<>();
        List<String> lines = new ArrayList<>();
        String ratioLine = null;

        try (LocalStack stack = LocalStack.forTests()) {
            log("starting Kafka, PostgreSQL, Redis...");
            ServiceEndpoints services = stack.start();
            Properties props = new Properties();
            props.put("bootstrap.servers", services.kafkaBootstrapServers());
            props.put("acks", "1");
            props.put("linger.ms", "2"); // the idle phase flushes each send
            try (Connection db = DriverManager.getConnection(services.postgresUrl(), services.postgresUser(),
                         services.postgresPassword());
                 KafkaProducer<byte[], byte[]> producer =
                         new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
                PipelinePoint.prepare(db);
                PipelinePoint pipeline = new PipelinePoint(services, db, producer, texts);
                log("warming up the pipeline (discarded)...");
                pipeline.run("warmup", ModelRegistry.DEFAULT_MODEL, DEFAULTS, 300, new double[0], 0, 0);

                for (String name : MODELS) {
                    ModelSpec spec = registry.find(name).orElseThrow();
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("model", name);
                    m.put("execution", spec.execution().toString());
                    try (SharedModels.Lease lease = SharedModels.jvmWide().acquire(spec, SessionSettings.defaults())) {
                        EmbeddingModel model = lease.model();
                        if (name.equals(ModelRegistry.DEFAULT_MODEL)) {
                            report.put("texts", textStats(model, texts));
                        }
                        double oneMs = oneInferenceMs(model, texts);
                        m.put("one_raw_inference_ms", oneMs);
                        log("%s: one raw inference (one text, median of 200): %.2f ms", name, oneMs);
                        List<Ceiling.Result> sweep = rawSweep(spec, model, texts, rawSeconds);
                        m.put("raw_sweep", sweep);
                        Ceiling.Result best = sweep.stream()
                                .max(Comparator.comparingDouble(Ceiling.Result::textsPerSecond)).orElseThrow();
                        m.put("a1_best", best);
                        log("%s (a1) best raw: %.1f texts/s (%s)", name, best.textsPerSecond(), describe(best));
                        int requests = (int) Math.max(200, Math.min(maxRequests,
                                Math.round(best.textsPerSecond() * burstSeconds / 100.0) * 100));
                        m.put("requests_per_burst", requests);

                        PipelinePoint.Result c = pipeline.run("c-" + name, name, RECORD_AT_A_TIME, requests,
                                OPEN_FACTORS, openSeconds, idleRequests);
                        logPoint(c);
                        boolean profile = profileOn && name.equals(ModelRegistry.DEFAULT_MODEL);
                        Files.createDirectories(out);
                        Profile profiler = profile ? Profile.start() : null;
                        PipelinePoint.Result b = pipeline.run("b-" + name, name, DEFAULTS, requests,
                                OPEN_FACTORS, openSeconds, idleRequests);
                        logPoint(b);
                        if (profiler != null) {
                            @SuppressWarnings("unchecked")
                            Map<String, Object> summary = profiler.stop(out.resolve("profile-b-" + name + ".collapsed"), 15);
                            report.put("profile_b_default_model", summary);
                            log("profile of (b), whole point (burst, open loop, idle), %s samples; by thread:%s",
                                    summary.get("samples"), Profile.format((Map<String, Double>) summary.get("threads_pct")));
                            log("leaf frames:%s", Profile.format((Map<String, Double>) summary.get("leaf_frames_pct")));
                        }
                        m.put("b", b);
                        m.put("c", c);
                        Map<String, Object> ratios = ratios(best, b, c, oneMs);
                        m.put("ratios", ratios);
                        m.put("checks", checks(best, b, c));
                        perModel.add(m);
                        curves.add(curve("(b) pipeline, " + name, b));
                        curves.add(curve("(c) record at a time, " + name, c));
                        table(lines, name, spec, best, b, c, oneMs, ratios);
                        if (name.equals(ModelRegistry.DEFAULT_MODEL)) {
                            ratioLine = String.format(Locale.ROOT, "b/a1 = %.2f  b/c = %.2f  p99(b)/p99(c) at 70%% = %.2f",
                                    ratios.get("b_over_a1"), ratios.get("b_over_c"), ratios.get("p99_b_over_c_at_70pct"));
                        }
                    }
                }
            }
        }
        report.put("models", perModel);
        report.put("table", lines);
        report.put("ratio_line", ratioLine);
        report.put("loadavg_end", loadavg());
        report.put("seconds", Stats.round((System.nanoTime() - started) / 1e9, 1));

        Files.createDirectories(out);
        String stamp = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(Instant.now());
        Path json = out.resolve("pipeline-" + stamp + (quick ? "-quick" : "") + ".json");
        Path png = out.resolve("pipeline-" + stamp + (quick ? "-quick" : "") + ".png");
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), report);
        Plot.write(png, String.format(Locale.ROOT, "streaminfer pipeline benchmark (%s, %d cores, load %s)", stamp,
                Runtime.getRuntime().availableProcessors(), report.get("loadavg_end")), curves);
        Files.copy(json, out.resolve("latest.json"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(png, out.resolve("latest.png"), StandardCopyOption.REPLACE_EXISTING);
        log("wrote %s and %s (copied to latest.json / latest.png); load average at end %s; total %.0f s", json, png,
                report.get("loadavg_end"), (System.nanoTime() - started) / 1e9);
        System.out.println();
        lines.forEach(System.out::println);
        System.out.println();
        System.out.println(ratioLine);
        System.exit(0);
    }

    /** (b): the job's batching defaults, written out so the report shows them. */
    static final Map<String, String> DEFAULTS = Map.of(
            BatchingOptions.MAX_BATCH_TEXTS.key(), BatchingOptions.MAX_BATCH_TEXTS.defaultValue().toString(),
            BatchingOptions.MAX_WAIT.key(), BatchingOptions.MAX_WAIT.defaultValue().toMillis() + " ms");
    /** (c): the same operator, one request per batch, no wait. */
    static final Map<String, String> RECORD_AT_A_TIME = Map.of(
            BatchingOptions.MAX_BATCH_TEXTS.key(), "1",
            BatchingOptions.MAX_WAIT.key(), "0 ms");

    /** Median wall time of one text through {@link EmbeddingModel#embed} (tokenization included), ms. */
    private static double oneInferenceMs(EmbeddingModel model, List<String> texts) {
        for (int i = 0; i < 50; i++) {
            model.embed(List.of(texts.get(i)));
        }
        double[] ms = new double[200];
        for (int i = 0; i < ms.length; i++) {
            long t0 = System.nanoTime();
            model.embed(List.of(texts.get(i)));
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        return Stats.round(Stats.percentile(ms, 50), 2);
    }

    /**
     * Callers × intra-op threads (at most the cores between them) × batch size × layout: one text
     * per call; batches of 32 padded to their longest; batches of 32 length-aware within the
     * default padded-token budget.
     */
    private static List<Ceiling.Result> rawSweep(ModelSpec spec, EmbeddingModel oneThread, List<String> texts,
                                                 double seconds) throws InterruptedException {
        int budget = BatchingOptions.PADDED_TOKEN_BUDGET.defaultValue();
        int cores = Math.max(1, Runtime.getRuntime().availableProcessors());
        List<Ceiling.Result> results = new ArrayList<>();
        Ceiling.run(oneThread, texts, 1, 1, 0, 1); // warm-up
        for (int intraOp : new int[] {1, 2}) {
            EmbeddingModel model = intraOp == 1 ? oneThread : EmbeddingModel.load(spec, new SessionSettings(intraOp));
            try {
                for (int callers = 1; callers * intraOp <= Math.max(2, cores); callers++) {
                    for (int[] layout : new int[][] {{1, 0}, {32, 0}, {32, budget}}) {
                        Ceiling.Result r = Ceiling.run(model, texts, layout[0], callers, layout[1], seconds)
                                .withIntraOp(intraOp);
                        results.add(r);
                        log("  raw %-40s %7.1f texts/s", describe(r), r.textsPerSecond());
                    }
                }
            } finally {
                if (model != oneThread) {
                    model.close();
                }
            }
        }
        return results;
    }

    private static String describe(Ceiling.Result r) {
        String layout = r.batch() == 1 ? "one text per call"
                : "batch " + r.batch() + (r.paddedTokenBudget() > 0 ? " length-aware " + r.paddedTokenBudget() : " padded");
        return String.format(Locale.ROOT, "%d caller(s) x %d intra-op, %s", r.callers(), r.intraOp(), layout);
    }

    private static PipelinePoint.PhaseResult open(PipelinePoint.Result p, double factor) {
        return p.phase("open-" + Math.round(factor * 100) + "pct");
    }

    private static Map<String, Object> ratios(Ceiling.Result a1, PipelinePoint.Result b, PipelinePoint.Result c,
                                              double oneMs) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("b_over_a1", Stats.round(b.burst().textsPerSecond() / a1.textsPerSecond(), 3));
        r.put("b_over_c", Stats.round(b.burst().textsPerSecond() / c.burst().textsPerSecond(), 3));
        for (double f : OPEN_FACTORS) {
            PipelinePoint.PhaseResult ob = open(b, f);
            PipelinePoint.PhaseResult oc = open(c, f);
            String pct = Math.round(f * 100) + "pct";
            r.put("p99_b_over_c_at_" + pct, ob == null || oc == null ? Double.NaN : Stats.round(ob.p99Ms() / oc.p99Ms(), 3));
            r.put("offered_b_over_c_at_" + pct, ob == null || oc == null ? Double.NaN
                    : Stats.round(ob.offeredPerSecond() / oc.offeredPerSecond(), 3));
        }
        if (b.idle() != null) {
            r.put("idle_round_trip_b_over_one_inference", Stats.round(b.idle().p50ToRedisMs() / oneMs, 1));
        }
        if (c.idle() != null) {
            r.put("idle_round_trip_c_over_one_inference", Stats.round(c.idle().p50ToRedisMs() / oneMs, 1));
        }
        return r;
    }

    /** Figures that contradict each other point at a measurement bug, not a result. */
    private static List<String> checks(Ceiling.Result a1, PipelinePoint.Result b, PipelinePoint.Result c) {
        List<String> problems = new ArrayList<>();
        for (PipelinePoint.Result p : List.of(b, c)) {
            if (p.burst().textsPerSecond() > 1.05 * a1.textsPerSecond()) {
                problems.add(p.label() + ": burst " + p.burst().textsPerSecond() + " texts/s above the raw best "
                        + a1.textsPerSecond() + " (measurement suspect)");
            }
            for (PipelinePoint.PhaseResult ph : p.phases()) {
                if (ph.notCompleted() > 0) {
                    problems.add(p.label() + " " + ph.phase() + ": " + ph.notCompleted() + " requests not completed");
                }
                if (ph.phase().startsWith("open") && ph.textsPerSecond() < 0.85 * ph.offeredPerSecond()) {
                    problems.add(p.label() + " " + ph.phase() + ": completed " + ph.textsPerSecond() + "/s of "
                            + ph.offeredPerSecond() + "/s offered (overloaded: latency grows with the phase)");
                }
            }
        }
        problems.forEach(x -> log("CHECK: %s", x));
        return problems;
    }

    private static Plot.Curve curve(String label, PipelinePoint.Result p) {
        List<Plot.Point> points = new ArrayList<>();
        for (double f : OPEN_FACTORS) {
            PipelinePoint.PhaseResult ph = open(p, f);
            if (ph != null) {
                points.add(new Plot.Point(f * 100, ph.p50Ms(), ph.p99Ms()));
            }
        }
        return new Plot.Curve(label, points);
    }

    private static void table(List<String> lines, String name, ModelSpec spec, Ceiling.Result a1,
                              PipelinePoint.Result b, PipelinePoint.Result c, double oneMs, Map<String, Object> ratios) {
        lines.add(String.format(Locale.ROOT, "%s (%s execution); one raw inference %.2f ms", name,
                spec.execution().toString().toLowerCase(Locale.ROOT), oneMs));
        lines.add(String.format(Locale.ROOT, "| | texts/s | p50 / p99 ms at 30%% | at 70%% | at 90%% | idle round trip p50 / max ms |"));
        lines.add("| --- | --- | --- | --- | --- | --- |");
        lines.add(String.format(Locale.ROOT, "| (a1) raw best: %s | %.1f | | | | |", describe(a1), a1.textsPerSecond()));
        for (PipelinePoint.Result p : List.of(b, c)) {
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "| %s | %.1f |",
                    p == b ? "(b) pipeline, " + DEFAULTS.get(BatchingOptions.MAX_BATCH_TEXTS.key()) + " texts / "
                            + DEFAULTS.get(BatchingOptions.MAX_WAIT.key())
                            : "(c) record at a time (max-texts 1, no wait)", p.burst().textsPerSecond()));
            for (double f : OPEN_FACTORS) {
                PipelinePoint.PhaseResult ph = open(p, f);
                row.append(ph == null ? " |" : String.format(Locale.ROOT, " %.0f / %.0f (%.0f/s) |", ph.p50Ms(), ph.p99Ms(),
                        ph.offeredPerSecond()));
            }
            row.append(p.idle() == null ? " |" : String.format(Locale.ROOT, " %.1f / %.1f (computed %.0f) |",
                    p.idle().p50ToRedisMs(), p.idle().maxToRedisMs(), p.idle().p50ComputedMs()));
            lines.add(row.toString());
        }
        lines.add("ratios: " + ratios);
        lines.add("");
    }

    private static Map<String, Object> textStats(EmbeddingModel model, List<String> texts) {
        int[] tokens = texts.stream().mapToInt(t -> model.tokenizer().countTokens(t)).toArray();
        int[] sorted = tokens.clone();
        Arrays.sort(sorted);
        double mean = Arrays.stream(tokens).average().orElse(0);
        long longOnes = Arrays.stream(tokens).filter(t -> t > 64).count();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("generator", "BenchmarkTexts.generate(4096, seed 42): 50% 3-12 words, 35% 15-40, 15% 60-150");
        m.put("count", texts.size());
        m.put("mean_tokens", Stats.round(mean, 1));
        m.put("p50_tokens", sorted[sorted.length / 2]);
        m.put("p99_tokens", sorted[(int) (sorted.length * 0.99)]);
        m.put("max_tokens", sorted[sorted.length - 1]);
        m.put("share_over_64_tokens", Stats.round((double) longOnes / tokens.length, 3));
        log("texts: %d, mean %.1f tokens, p50 %d, p99 %d, max %d, %.0f%% over 64 tokens; each request = 1 text",
                texts.size(), mean, sorted[sorted.length / 2], sorted[(int) (sorted.length * 0.99)],
                sorted[sorted.length - 1], 100.0 * longOnes / tokens.length);
        return m;
    }

    private static void logPoint(PipelinePoint.Result p) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-26s start %4.1fs", p.label(), p.startSeconds()));
        for (PipelinePoint.PhaseResult ph : p.phases()) {
            sb.append(String.format(Locale.ROOT, " | %s %s%.0f texts/s p50 %.0f p99 %.0f ms%s", ph.phase(),
                    Double.isNaN(ph.offeredPerSecond()) ? "" : "offered " + Math.round(ph.offeredPerSecond()) + ": ",
                    ph.textsPerSecond(), ph.p50Ms(), ph.p99Ms(),
                    ph.notCompleted() > 0 ? " (" + ph.notCompleted() + " not completed)" : ""));
        }
        if (p.idle() != null) {
            sb.append(String.format(Locale.ROOT, " | idle to Redis p50 %.1f max %.1f ms", p.idle().p50ToRedisMs(),
                    p.idle().maxToRedisMs()));
        }
        log("%s", sb);
    }

    static String loadavg() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (Exception e) {
            return "n/a";
        }
    }

    static void log(String format, Object... args) {
        System.out.printf(Locale.ROOT, "[bench %s] %s%n", DateTimeFormatter.ISO_LOCAL_TIME.withZone(ZoneOffset.UTC)
                .format(Instant.now()).substring(0, 8), String.format(Locale.ROOT, format, args));
        System.out.flush();
    }

    static Map<String, String> parse(String[] args) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--")) throw new IllegalArgumentException("unexpected argument " + args[i]);
            String k = args[i].substring(2);
            if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                m.put(k, args[++i]);
            } else {
                m.put(k, "true");
            }
        }
        return m;
    }
}
