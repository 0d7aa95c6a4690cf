package dev.streaminfer.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.streaminfer.backfill.EmbedCommand;
import dev.streaminfer.contract.registry.ModelRegistry;
import dev.streaminfer.contract.registry.ModelSpec;
import dev.streaminfer.functions.batching.BatchingOptions;
import dev.streaminfer.functions.inference.EmbeddingModel;
import dev.streaminfer.functions.inference.SessionSettings;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;

/**
 * {@code bin/bench --embed}: bin/embed's throughput over an N-line file (default 100,000) against the
 * raw ONNX Runtime ceiling ({@link Ceiling}) measured in the same run, on the same texts, with the
 * command's inference threads (2 callers sharing one session, 1 intra-op thread each): one text per
 * call (the layout the quantized default model serves with) and length-aware batches of 32. The
 * command runs in-process through its own entry point, end to end: reading and validating the
 * file, micro-batching, inference and writing the output, MiniCluster start and model load
 * included. Writes {@code bench/results/embed-<time>.json}; the last line is
 * {@code embed/ceiling = X}.
 *
 * <pre>bin/bench --embed [--lines N] [--model NAME] [--ceiling-seconds S] [--out DIR]</pre>
 */
final class EmbedBenchmark {

    private EmbedBenchmark() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> a = PipelineBenchmark.parse(args);
        a.remove("embed");
        int lines = Integer.parseInt(a.getOrDefault("lines", "100000"));
        String modelName = a.getOrDefault("model", ModelRegistry.DEFAULT_MODEL);
        double ceilingSeconds = Double.parseDouble(a.getOrDefault("ceiling-seconds", "10"));
        Path out = Path.of(a.getOrDefault("out", "bench/results"));
        ModelSpec spec = ModelRegistry.bundled().find(modelName)
                .orElseThrow(() -> new IllegalArgumentException("unknown model " + modelName));
        int callers = BatchingOptions.INFERENCE_THREADS.defaultValue();
        int intraOp = BatchingOptions.INTRA_OP_THREADS.defaultValue();
        int budget = BatchingOptions.PADDED_TOKEN_BUDGET.defaultValue();

        String loadStart = PipelineBenchmark.loadavg();
        PipelineBenchmark.log("bin/embed benchmark: %,d lines, model %s, load average %s (cores: %d)", lines, modelName,
                loadStart, Runtime.getRuntime().availableProcessors());
        List<String> texts = BenchmarkTexts.generate(lines, 42);
        Path work = Files.createTempDirectory("streaminfer-embed-bench-");
        Path input = work.resolve("docs.jsonl");
        Path output = work.resolve("results.jsonl");
        ObjectMapper json = new ObjectMapper();
        try (BufferedWriter w = Files.newBufferedWriter(input, StandardCharsets.UTF_8)) {
            for (int i = 0; i < texts.size(); i++) {
                w.write(json.writeValueAsString(Map.of("id", String.format(Locale.ROOT, "doc-%07d", i), "text", texts.get(i))));
                w.write('\n');
            }
        }

        List<Ceiling.Result> ceiling = new ArrayList<>();
        try (EmbeddingModel model = EmbeddingModel.load(spec, new SessionSettings(intraOp))) {
            Ceiling.run(model, texts, 1, 1, 0, 1); // warm-up
            for (int[] layout : new int[][] {{1, 0}, {32, budget}}) {
                Ceiling.Result r = Ceiling.run(model, texts, layout[0], callers, layout[1], ceilingSeconds).withIntraOp(intraOp);
                ceiling.add(r);
                PipelineBenchmark.log("  raw ONNX, batch %2d, %d callers x %d thread: %7.1f texts/s", r.batch(), callers,
                        intraOp, r.textsPerSecond());
            }
        }
        Ceiling.Result best = ceiling.stream().max((x, y) -> Double.compare(x.textsPerSecond(), y.textsPerSecond())).orElseThrow();

        CommandLine cmd = EmbedCommand.commandLine();
        int code = cmd.execute("--input", input.toString(), "--output", output.toString(), "--model", modelName,
                "--progress", "lines");
        EmbedCommand.Report report = ((EmbedCommand) cmd.getCommand()).report();
        if (code != 0 || report == null || !report.complete()) {
            throw new IllegalStateException("bin/embed did not finish (exit " + code + ")");
        }
        double embedRate = report.sentToModel() / report.seconds();
        double ratio = embedRate / best.textsPerSecond();
        String loadEnd = PipelineBenchmark.loadavg();

        System.out.println();
        System.out.printf(Locale.ROOT, "| %-66s | %9s | %9s | %8s |%n", "what (" + modelName + ", " + String.format(Locale.ROOT, "%,d", lines) + " texts)", "texts", "seconds", "texts/s");
        System.out.printf(Locale.ROOT, "|%s|%s|%s|%s|%n", "-".repeat(68), "-".repeat(11), "-".repeat(11), "-".repeat(10));
        for (Ceiling.Result r : ceiling) {
            System.out.printf(Locale.ROOT, "| %-66s | %,9d | %9.1f | %8.1f |%n", String.format(Locale.ROOT,
                    "raw ONNX Runtime, batch %d%s, %d callers x %d thread", r.batch(), r.batch() > 1 ? " (length-aware)" : "",
                    callers, intraOp), r.texts(), r.seconds(), r.textsPerSecond());
        }
        System.out.printf(Locale.ROOT, "| %-66s | %,9d | %9.1f | %8.1f |%n", "bin/embed end to end (file in, validation, batching, file out)",
                report.sentToModel(), report.seconds(), embedRate);
        System.out.printf(Locale.ROOT, "load average %s at start, %s at end%n", loadStart, loadEnd);

        Files.createDirectories(out);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("finished_at", Instant.now().toString());
        result.put("model", modelName);
        result.put("lines", lines);
        result.put("loadavg_start", loadStart);
        result.put("loadavg_end", loadEnd);
        result.put("ceiling", ceiling);
        result.put("embed", Map.of("texts", report.sentToModel(), "seconds", report.seconds(), "texts_per_second", embedRate));
        result.put("embed_over_ceiling", ratio);
        Path file = out.resolve("embed-" + Instant.now().toString().replace(":", "") + ".json");
        json.enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), result);
        try (var paths = Files.walk(work)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        PipelineBenchmark.log("results in %s", file);
        System.out.printf(Locale.ROOT, "embed/ceiling = %.2f  (bin/embed %.1f texts/s, raw best %.1f texts/s)%n",
                ratio, embedRate, best.textsPerSecond());
    }
}
