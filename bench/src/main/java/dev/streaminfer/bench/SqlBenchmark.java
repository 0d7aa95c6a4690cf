package dev.streaminfer.bench;

import dev.streaminfer.contract.registry.ModelRegistry;
import dev.streaminfer.contract.registry.ModelSpec;
import dev.streaminfer.functions.inference.EmbeddingModel;
import dev.streaminfer.functions.inference.SessionSettings;
import dev.streaminfer.functions.inference.SharedModels;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.Schema;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.types.Row;

/**
 * ML_PREDICT with the {@code streaminfer} provider (issue 16), one run on one machine with the same
 * texts: (s) the provider micro-batching concurrent rows (its defaults: up to 32 rows, work-
 * conserving), (r) the same provider configured one row per ONNX call ({@code max-texts 1},
 * {@code max-wait 0}), both with 64 rows in flight, against the raw ONNX ceiling of the same
 * session ({@link Ceiling}: batches of 32 and one text per call, two callers). Each SQL run is a
 * bounded job on an in-process MiniCluster (parallelism 1) into a blackhole sink, timed from
 * submission to end, so it includes about a second of job start; a warm-up job runs first.
 *   bin/bench --sql [--texts N] [--model NAME]
 */
public final class SqlBenchmark {

    private static final int IN_FLIGHT = 64;

    private SqlBenchmark() {}

    public static void main(String[] args) throws Exception {
        int count = 2048;
        List<String> models = List.of(ModelRegistry.DEFAULT_MODEL, ModelRegistry.ALL_MINILM_L6_V2.name());
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--texts" -> count = Integer.parseInt(args[++i]);
                case "--model" -> models = List.of(args[++i]);
                default -> throw new IllegalArgumentException("unexpected argument " + args[i]
                        + " (bin/bench --sql [--texts N] [--model NAME])");
            }
        }
        List<String> texts = BenchmarkTexts.generate(count, 42);
        log("load average at start: %s (cores: %d); %d texts (BenchmarkTexts seed 42)", PipelineBenchmark.loadavg(),
                Runtime.getRuntime().availableProcessors(), texts.size());
        List<String> table = new ArrayList<>();
        table.add("| model | (s) ML_PREDICT batched | (r) ML_PREDICT per row | raw ONNX, batches of 32 | raw ONNX, 1 text per call | s / r | s / raw 32 | r / raw 1 |");
        table.add("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        ModelRegistry registry = ModelRegistry.bundled();
        run(registry.find(models.get(0)).orElseThrow(), texts.subList(0, Math.min(256, texts.size())), "", "warm-up");
        for (String name : models) {
            ModelSpec spec = registry.find(name).orElseThrow(() -> new IllegalArgumentException("unknown model " + name));
            double batched = run(spec, texts, "", "(s) batched");
            double perRow = run(spec, texts, ", 'max-texts' = '1', 'max-wait' = '0 ms'", "(r) per row");
            double raw32;
            double raw1;
            try (SharedModels.Lease lease = SharedModels.jvmWide().acquire(spec, SessionSettings.defaults())) {
                EmbeddingModel model = lease.model();
                double seconds = Math.max(3, texts.size() / 400.0);
                raw32 = Ceiling.run(model, texts, 32, 2, 1024, seconds).textsPerSecond();
                raw1 = Ceiling.run(model, texts, 1, 2, 0, seconds).textsPerSecond();
            }
            log("%s: raw ONNX batches of 32 (2 callers, length-aware 1024) %.1f texts/s, one text per call %.1f texts/s",
                    name, raw32, raw1);
            table.add(String.format(Locale.ROOT, "| %s (%s) | %.1f | %.1f | %.1f | %.1f | %.2f | %.2f | %.2f |", name,
                    spec.execution().toString().toLowerCase(Locale.ROOT), batched, perRow, raw32, raw1,
                    batched / perRow, batched / raw32, perRow / raw1));
        }
        log("load average at end: %s", PipelineBenchmark.loadavg());
        System.out.println();
        table.forEach(System.out::println);
    }

    /** One bounded ML_PREDICT job over {@code texts}; texts/s from submission to end. */
    private static double run(ModelSpec spec, List<String> texts, String moreOptions, String label) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(new Configuration());
        env.setParallelism(1);
        StreamTableEnvironment tables = StreamTableEnvironment.create(env);
        List<Row> rows = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            rows.add(Row.of(Integer.toString(i), texts.get(i)));
        }
        tables.createTemporaryView("docs", tables.fromDataStream(
                env.fromData(rows, org.apache.flink.api.common.typeinfo.Types.ROW_NAMED(new String[] {"id", "text"},
                        org.apache.flink.api.common.typeinfo.Types.STRING, org.apache.flink.api.common.typeinfo.Types.STRING)),
                Schema.newBuilder().column("id", DataTypes.STRING()).column("text", DataTypes.STRING()).build()));
        tables.executeSql("CREATE MODEL embedder INPUT (text STRING) OUTPUT (embedding ARRAY<FLOAT>) WITH ("
                + "'provider' = 'streaminfer', 'model' = '" + spec.name() + "', 'device' = 'cpu'" + moreOptions + ")");
        tables.executeSql("CREATE TABLE sink (id STRING, embedding ARRAY<FLOAT>) WITH ('connector' = 'blackhole')");
        long t0 = System.nanoTime();
        tables.executeSql("INSERT INTO sink SELECT id, embedding FROM ML_PREDICT(TABLE docs, MODEL embedder,"
                + " DESCRIPTOR(text), MAP['max-concurrent-operations', '" + IN_FLIGHT + "'])").await();
        double seconds = (System.nanoTime() - t0) / 1e9;
        double perSecond = texts.size() / seconds;
        log("%s %s: %d texts in %.1f s = %.1f texts/s", spec.name(), label, texts.size(), seconds, perSecond);
        return perSecond;
    }

    private static void log(String format, Object... args) {
        System.out.printf(Locale.ROOT, "[bench-sql %s] %s%n", DateTimeFormatter.ISO_LOCAL_TIME.withZone(ZoneOffset.UTC)
                .format(Instant.now()).substring(0, 8), String.format(Locale.ROOT, format, args));
        System.out.flush();
    }
}
