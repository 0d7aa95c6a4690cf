package dev.streaminfer.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.streaminfer.functions.batching.BatchingOptions;
import dev.streaminfer.functions.batching.BatchingSettings;
import dev.streaminfer.functions.inference.EmbeddingModel;
import dev.streaminfer.contract.registry.ModelRegistry;
import dev.streaminfer.contract.registry.ModelSpec;
import dev.streaminfer.functions.inference.SessionSettings;
import dev.streaminfer.functions.inference.SharedModels;
import dev.streaminfer.jobs.JobOptions;
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
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The benchmark of issue 5, in one run on one machine with the same texts:
 * <ul>
 *   <li>(a) the ceiling: a plain loop calling ONNX Runtime on full batches ({@link Ceiling});</li>
 *   <li>(b) the pipeline end to end: Kafka in, quota, micro-batching, async inference, sinks on
 *       (PostgreSQL, Redis, Kafka results), on an in-process MiniCluster ({@link PipelinePoint});</li>
 *   <li>(c) the same pipeline with record-at-a-time {@code AsyncDataStream} inference.</li>
 * </ul>
 * (a), (b) and (c) are measured in interleaved rounds and compared within the run (ratios), as the
 * machine is shared; then a sweep over max batch size and max wait, and with/without
 * length-aware execution. Raw numbers go to {@code bench/results/pipeline-<time>.json}, the plot to
 * {@code .png} next to it, both copied to {@code latest.json} / {@code latest.png}.
 *
 * <pre>bin/bench [--quick] [--requests MAX] [--burst-seconds S] [--open-seconds S] [--rounds R] [--out DIR]</pre>
 */
public final class PipelineBenchmark {

    private static final int BATCH = 32;
    private static final int WAIT_MS = 20;
    private static final double OPEN_FACTOR = 0.7;

    private PipelineBenchmark() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> a = parse(args);
        boolean quick = a.containsKey("quick");
        int maxRequests = Integer.parseInt(a.getOrDefault("requests", quick ? "1000" : "2000"));
        double burstSeconds = Double.parseDouble(a.getOrDefault("burst-seconds", quick ? "4" : "6"));
        double openSeconds = Double.parseDouble(a.getOrDefault("open-seconds", quick ? "5" : "8"));
        int rounds = Integer.parseInt(a.getOrDefault("rounds", quick ? "1" : "2"));
        double ceilingSeconds = quick ? 3 : 4;
        Path out = Path.of(a.getOrDefault("out", "bench/results"));
        int[] sweepTexts = quick ? new int[] {1, 8, 32, 64} : new int[] {1, 4, 8, 16, 32, 64};
        int[] sweepWaits = quick ? new int[] {} : new int[] {5, 50};
        int budget = BatchingOptions.PADDED_TOKEN_BUDGET.defaultValue();
        boolean budgetWired = budgetOptionWired();

        long started = System.nanoTime();
        Map<String, Object> report = new LinkedHashMap<>();
        String loadStart = loadavg();
        log("load average at start: %s  (cores: %d)", loadStart, Runtime.getRuntime().availableProcessors());
        report.put("started_at", Instant.now().toString());
        report.put("machine", Map.of("cores", Runtime.getRuntime().availableProcessors(), "loadavg_start", loadStart,
                "java", System.getProperty("java.version"), "os", System.getProperty("os.name") + " " + System.getProperty("os.arch")));
        report.put("parameters", Map.of("quick", quick, "max_requests_per_burst", maxRequests, "burst_seconds_at_ceiling", burstSeconds, "open_seconds", openSeconds,
                "rounds", rounds, "open_load_factor", OPEN_FACTOR, "parallelism", PipelinePoint.PARALLELISM,
                "users", PipelinePoint.USERS, "padded_token_budget", budget,
                "padded_token_budget_option_wired", budgetWired));

        ModelSpec spec = ModelRegistry.bundled().find(ModelRegistry.DEFAULT_MODEL).orElseThrow();
        List<String> texts = BenchmarkTexts.generate(4096, 42);

        try (LocalStack stack = LocalStack.forTests();
             SharedModels.Lease lease = SharedModels.jvmWide().acquire(spec, SessionSettings.defaults())) {
            log("starting Kafka, PostgreSQL, Redis...");
            ServiceEndpoints services = stack.start();
            EmbeddingModel model = lease.model();
            report.put("texts", textStats(model, texts));

            // quality: vectors in a batch vs the same text alone (dynamic quantization)
            List<String> sample = texts.subList(0, quick ? 256 : 512);
            float[][] alone = Ceiling.alone(model, sample);
            Ceiling.Fidelity padded = Ceiling.fidelity(model, sample, alone, BATCH, 0);
            Ceiling.Fidelity aware = Ceiling.fidelity(model, sample, alone, BATCH, budget);
            report.put("fidelity", List.of(padded, aware));
            log("cosine to batch-of-1, batches of %d: padded to longest min %.4f mean %.5f | length-aware (budget %d) min %.4f mean %.5f",
                    BATCH, padded.minCosine(), padded.meanCosine(), budget, aware.minCosine(), aware.meanCosine());

            // ceiling: padded-token budgets (0 = one call per batch, padded to its longest)
            List<Ceiling.Result> budgets = new ArrayList<>();
            Ceiling.run(model, texts, BATCH, 2, budget, 1.5); // warm-up
            for (int b : new int[] {0, 512, 1024, 2048, 4096}) {
                Ceiling.Result r = Ceiling.run(model, texts, BATCH, 2, b, quick ? 2 : 3);
                budgets.add(r);
                log("(a) ceiling batch %d, 2 callers x 1 intra-op, budget %4d: %6.1f texts/s (%.1f ms/batch)",
                        BATCH, b, r.textsPerSecond(), r.meanBatchMs());
            }
            report.put("ceiling_budget_sweep", budgets);
            // the most a record-at-a-time pipeline could do: batches of one (no padding at all)
            Ceiling.Result single = Ceiling.run(model, texts, 1, 2, 0, quick ? 2 : 3);
            report.put("ceiling_batch_of_1", single);
            log("(a1) ceiling batch 1, 2 callers x 1 intra-op: %6.1f texts/s (%.2f ms/text): bounds b/c at a/a1",
                    single.textsPerSecond(), single.meanBatchMs());
            // bursts sized to take about burstSeconds at the ceiling, so a loaded machine still finishes
            double ceilingNow = budgets.stream().filter(r -> r.paddedTokenBudget() == budget).findFirst()
                    .orElseThrow().textsPerSecond();
            int requests = (int) Math.max(200, Math.min(maxRequests, Math.round(ceilingNow * burstSeconds / 100.0) * 100));
            report.put("requests_per_burst", requests);
            log("bursts of %d requests (ceiling %.0f texts/s x %.0f s, at most %d)", requests, ceilingNow, burstSeconds,
                    maxRequests);

            Properties props = new Properties();
            props.put("bootstrap.servers", services.kafkaBootstrapServers());
            props.put("acks", "1");
            props.put("linger.ms", "2");
            try (Connection db = DriverManager.getConnection(services.postgresUrl(), services.postgresUser(),
                         services.postgresPassword());
                 KafkaProducer<byte[], byte[]> producer =
                         new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
                PipelinePoint.prepare(db);
                PipelinePoint pipeline = new PipelinePoint(services, db, producer, texts);

                log("warming up the pipeline (discarded)...");
                pipeline.run("warmup", batched(BATCH, WAIT_MS, budget), Math.min(300, requests), List.of(), 0, 0);

                List<Map<String, Object>> roundResults = new ArrayList<>();
                for (int r = 1; r <= rounds; r++) {
                    Map<String, Object> round = new LinkedHashMap<>();
                    Ceiling.Result aOn = Ceiling.run(model, texts, BATCH, 2, budget, ceilingSeconds);
                    Ceiling.Result aOff = Ceiling.run(model, texts, BATCH, 2, 0, ceilingSeconds);
                    log("round %d (a) ceiling: %.1f texts/s length-aware, %.1f padded", r, aOn.textsPerSecond(), aOff.textsPerSecond());
                    PipelinePoint.Result c = pipeline.run("c-r" + r, Map.of(JobOptions.INFERENCE_MODE.key(), "PER_RECORD"),
                            requests, Arrays.asList((Double) null), OPEN_FACTOR, openSeconds);
                    logPoint(c);
                    double cOpenRate = OPEN_FACTOR * c.burst().textsPerSecond();
                    PipelinePoint.Result b = pipeline.run("b-r" + r, batched(BATCH, WAIT_MS, budget), requests,
                            Arrays.asList(null, cOpenRate), OPEN_FACTOR, openSeconds);
                    logPoint(b);
                    PipelinePoint.Result bOff = null;
                    if (budgetWired) {
                        bOff = pipeline.run("b-padded-r" + r, batched(BATCH, WAIT_MS, 0), requests,
                                Arrays.asList((Double) null), OPEN_FACTOR, openSeconds);
                        logPoint(bOff);
                    }
                    Ceiling.Result aAfter = Ceiling.run(model, texts, BATCH, 2, budget, ceilingSeconds);
                    log("round %d (a) ceiling after: %.1f texts/s", r, aAfter.textsPerSecond());
                    round.put("a_length_aware", aOn);
                    round.put("a_padded", aOff);
                    round.put("a_length_aware_after", aAfter);
                    round.put("c_per_record", c);
                    round.put("b_batched", b);
                    if (bOff != null) round.put("b_batched_padded", bOff);
                    double aMean = (aOn.textsPerSecond() + aAfter.textsPerSecond()) / 2;
                    round.put("ratio_b_over_a", Stats.round(b.burst().textsPerSecond() / aMean, 3));
                    round.put("ratio_b_over_c", Stats.round(b.burst().textsPerSecond() / c.burst().textsPerSecond(), 3));
                    if (bOff != null) {
                        round.put("ratio_b_padded_over_a_padded",
                                Stats.round(bOff.burst().textsPerSecond() / aOff.textsPerSecond(), 3));
                    }
                    round.put("loadavg", loadavg());
                    roundResults.add(round);
                    log("round %d: b/a = %.2f, b/c = %.2f (load %s)", r, round.get("ratio_b_over_a"),
                            round.get("ratio_b_over_c"), loadavg());
                }
                report.put("rounds", roundResults);

                List<PipelinePoint.Result> sweep = new ArrayList<>();
                for (int t : sweepTexts) {
                    if (t == BATCH) {
                        continue; // measured in the rounds
                    }
                    PipelinePoint.Result p = pipeline.run("sweep-t" + t + "-w" + WAIT_MS, batched(t, WAIT_MS, budget),
                            requests, Arrays.asList((Double) null), OPEN_FACTOR, openSeconds);
                    logPoint(p);
                    sweep.add(p);
                }
                for (int w : sweepWaits) {
                    PipelinePoint.Result p = pipeline.run("sweep-t" + BATCH + "-w" + w, batched(BATCH, w, budget),
                            requests, Arrays.asList((Double) null), OPEN_FACTOR, openSeconds);
                    logPoint(p);
                    sweep.add(p);
                }
                report.put("sweep", sweep);
                Ceiling.Result aEnd = Ceiling.run(model, texts, BATCH, 2, budget, ceilingSeconds);
                report.put("a_end", aEnd);
                log("(a) ceiling at the end: %.1f texts/s", aEnd.textsPerSecond());

                summarize(report, roundResults, sweep, sweepTexts, budgetWired, out, quick);
            }
        }
        String loadEnd = loadavg();
        log("load average at end: %s; total %.0f s", loadEnd, (System.nanoTime() - started) / 1e9);
        System.exit(0);
    }

    private static Map<String, String> batched(int maxTexts, int waitMs, int budget) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(JobOptions.INFERENCE_MODE.key(), "BATCHED");
        m.put(BatchingOptions.MAX_BATCH_TEXTS.key(), Integer.toString(maxTexts));
        m.put(BatchingOptions.MAX_WAIT.key(), waitMs + " ms");
        m.put(BatchingOptions.PADDED_TOKEN_BUDGET.key(), Integer.toString(budget));
        return m;
    }

    /** Whether the job reads the padded-token budget from its configuration (BatchingSettings carries it). */
    static boolean budgetOptionWired() {
        return Arrays.stream(BatchingSettings.class.getRecordComponents())
                .anyMatch(c -> c.getName().equals("paddedTokenBudget"));
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
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-18s start %4.1fs", p.label(), p.startSeconds()));
        for (PipelinePoint.PhaseResult ph : p.phases()) {
            sb.append(String.format(Locale.ROOT, " | %s %s%.0f texts/s p50 %.0f p99 %.0f ms%s", ph.phase(),
                    Double.isNaN(ph.offeredPerSecond()) ? "" : "offered " + Math.round(ph.offeredPerSecond()) + ": ",
                    ph.textsPerSecond(), ph.p50Ms(), ph.p99Ms(),
                    ph.notCompleted() > 0 ? " (" + ph.notCompleted() + " not completed)" : ""));
        }
        log("%s", sb);
    }

    @SuppressWarnings("unchecked")
    private static void summarize(Map<String, Object> report, List<Map<String, Object>> rounds,
                                  List<PipelinePoint.Result> sweepOthers, int[] sweepTexts, boolean budgetWired,
                                  Path out, boolean quick) throws Exception {
        double[] aVals = rounds.stream().mapToDouble(r -> (((Ceiling.Result) r.get("a_length_aware")).textsPerSecond()
                + ((Ceiling.Result) r.get("a_length_aware_after")).textsPerSecond()) / 2).toArray();
        double[] aPadded = rounds.stream().mapToDouble(r -> ((Ceiling.Result) r.get("a_padded")).textsPerSecond()).toArray();
        List<PipelinePoint.Result> bs = rounds.stream().map(r -> (PipelinePoint.Result) r.get("b_batched")).toList();
        List<PipelinePoint.Result> cs = rounds.stream().map(r -> (PipelinePoint.Result) r.get("c_per_record")).toList();
        double bTput = Stats.median(bs.stream().mapToDouble(p -> p.burst().textsPerSecond()).toArray());
        double cTput = Stats.median(cs.stream().mapToDouble(p -> p.burst().textsPerSecond()).toArray());
        double aTput = Stats.median(aVals);
        double ba = Stats.median(rounds.stream().mapToDouble(r -> (double) r.get("ratio_b_over_a")).toArray());
        double bc = Stats.median(rounds.stream().mapToDouble(r -> (double) r.get("ratio_b_over_c")).toArray());
        PipelinePoint.Result b = bs.get(bs.size() - 1);
        PipelinePoint.Result c = cs.get(cs.size() - 1);

        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "%-48s %10s %9s %9s %12s %12s", "", "texts/s", "p50 ms", "p99 ms",
                "p50 to PG", "p99 to PG"));
        lines.add(String.format(Locale.ROOT, "%-48s %10.1f %9s %9s", "(a) ONNX Runtime loop, batch 32, length-aware", aTput, "-", "-"));
        lines.add(String.format(Locale.ROOT, "%-48s %10.1f %9s %9s", "(a) ONNX Runtime loop, batch 32, padded", Stats.median(aPadded), "-", "-"));
        Ceiling.Result single = (Ceiling.Result) report.get("ceiling_batch_of_1");
        lines.add(String.format(Locale.ROOT, "%-48s %10.1f %9s %9s", "(a1) ONNX Runtime loop, batch 1 (per-record max)",
                single.textsPerSecond(), "-", "-"));
        addRows(lines, "(b) pipeline, micro-batched 32 / 20 ms", b, bTput);
        if (budgetWired) {
            List<PipelinePoint.Result> bOffs = rounds.stream().map(r -> (PipelinePoint.Result) r.get("b_batched_padded")).toList();
            addRows(lines, "(b') pipeline, micro-batched, padded", bOffs.get(bOffs.size() - 1),
                    Stats.median(bOffs.stream().mapToDouble(p -> p.burst().textsPerSecond()).toArray()));
        }
        addRows(lines, "(c) pipeline, per-record AsyncDataStream", c, cTput);
        lines.add(String.format(Locale.ROOT, "b/a = %.2f (target >= 0.8)   b/c = %.2f (target >= 2)   (medians of %d round(s))",
                ba, bc, rounds.size()));
        lines.add("");
        lines.add(String.format(Locale.ROOT, "sweep (length-aware, burst capacity; latency open loop at %.0f%% of it)", OPEN_FACTOR * 100));
        lines.add(String.format(Locale.ROOT, "%-14s %10s %10s %9s %9s", "max texts/wait", "texts/s", "offered", "p50 ms", "p99 ms"));
        List<PipelinePoint.Result> all = new ArrayList<>(sweepOthers);
        all.add(b);
        List<Plot.Point> plot = new ArrayList<>();
        List<PipelinePoint.Result> ordered = new ArrayList<>();
        for (int t : sweepTexts) {
            PipelinePoint.Result p = t == BATCH ? b
                    : all.stream().filter(x -> x.label().equals("sweep-t" + t + "-w" + WAIT_MS)).findFirst().orElse(null);
            if (p != null) ordered.add(p);
        }
        all.stream().filter(x -> x.label().startsWith("sweep-t" + BATCH + "-w")).forEach(ordered::add);
        for (PipelinePoint.Result p : ordered) {
            PipelinePoint.PhaseResult open = p.phases().stream().filter(x -> x.phase().endsWith("pct")).findFirst().orElse(null);
            String key = p.settings().get(BatchingOptions.MAX_BATCH_TEXTS.key()) + " / " + p.settings().get(BatchingOptions.MAX_WAIT.key());
            lines.add(String.format(Locale.ROOT, "%-14s %10.1f %10.0f %9.0f %9.0f", key, p.burst().textsPerSecond(),
                    open == null ? Double.NaN : open.offeredPerSecond(), open == null ? Double.NaN : open.p50Ms(),
                    open == null ? Double.NaN : open.p99Ms()));
            if (p.settings().get(BatchingOptions.MAX_WAIT.key()).equals(WAIT_MS + " ms") && open != null) {
                plot.add(new Plot.Point(Integer.parseInt(p.settings().get(BatchingOptions.MAX_BATCH_TEXTS.key())),
                        p.burst().textsPerSecond(), open.p50Ms(), open.p99Ms()));
            }
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("a_texts_per_s", Stats.round(aTput, 1));
        summary.put("a_padded_texts_per_s", Stats.round(Stats.median(aPadded), 1));
        summary.put("b_texts_per_s", Stats.round(bTput, 1));
        summary.put("c_texts_per_s", Stats.round(cTput, 1));
        summary.put("ratio_b_over_a", ba);
        summary.put("ratio_b_over_c", bc);
        summary.put("table", lines);
        report.put("summary", summary);
        report.put("loadavg_end", loadavg());

        System.out.println();
        lines.forEach(System.out::println);
        System.out.println();

        Files.createDirectories(out);
        String stamp = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(Instant.now());
        Path json = out.resolve("pipeline-" + stamp + (quick ? "-quick" : "") + ".json");
        Path png = out.resolve("pipeline-" + stamp + (quick ? "-quick" : "") + ".png");
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), report);
        PipelinePoint.PhaseResult cOpen = c.phases().stream().filter(x -> x.phase().endsWith("pct")).findFirst().orElse(c.burst());
        Plot.write(png, String.format(Locale.ROOT, "streaminfer pipeline benchmark (%s, %d cores, load %s)", stamp,
                Runtime.getRuntime().availableProcessors(), report.get("loadavg_end")), plot, aTput, cTput, cOpen.p99Ms());
        Files.copy(json, out.resolve("latest.json"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(png, out.resolve("latest.png"), StandardCopyOption.REPLACE_EXISTING);
        log("wrote %s and %s (copied to latest.json / latest.png)", json, png);
    }

    private static void addRows(List<String> lines, String name, PipelinePoint.Result p, double medianTput) {
        PipelinePoint.PhaseResult burst = p.burst();
        lines.add(String.format(Locale.ROOT, "%-48s %10.1f %9.0f %9.0f %12.0f %12.0f", name + " - burst", medianTput,
                burst.p50Ms(), burst.p99Ms(), burst.p50WrittenMs(), burst.p99WrittenMs()));
        for (PipelinePoint.PhaseResult ph : p.phases()) {
            if (ph.phase().startsWith("open")) {
                lines.add(String.format(Locale.ROOT, "%-48s %10.1f %9.0f %9.0f %12.0f %12.0f",
                        "    open loop, offered " + Math.round(ph.offeredPerSecond()) + "/s", ph.textsPerSecond(),
                        ph.p50Ms(), ph.p99Ms(), ph.p50WrittenMs(), ph.p99WrittenMs()));
            }
        }
    }

    static String loadavg() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (Exception e) {
            return "n/a";
        }
    }

    private static void log(String format, Object... args) {
        System.out.printf(Locale.ROOT, "[bench %s] %s%n", DateTimeFormatter.ISO_LOCAL_TIME.withZone(ZoneOffset.UTC)
                .format(Instant.now()).substring(0, 8), String.format(Locale.ROOT, format, args));
        System.out.flush();
    }

    private static Map<String, String> parse(String[] args) {
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
