package dev.streaminfer.backfill;

import dev.streaminfer.contract.registry.ModelRegistry;
import dev.streaminfer.contract.registry.ModelSpec;
import dev.streaminfer.functions.batching.BatchingOptions;
import dev.streaminfer.functions.batching.BatchingSettings;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code bin/embed}: see the root README, "Backfill: bin/embed". */
@Command(name = "embed", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Embeds every document of a JSON-lines file ({\"id\": \"...\", \"text\": \"...\"} per line) with the job's"
                    + " validation, micro-batching and ONNX inference on a local Flink MiniCluster, and appends one"
                    + " line per input line to the output: {\"id\", \"model\", \"embedding\", \"input_tokens\"}, or"
                    + " {\"id\", \"error\": {\"code\", \"message\"}}, or {\"line\", \"error\"} for a line without a"
                    + " usable id (not JSON, no id, a repeated id).",
            "Run it again with the same arguments to resume: lines already in the output are not computed again."})
public final class EmbedCommand implements Callable<Integer> {

    static final String DEFAULT_POSTGRES_URL = "jdbc:postgresql://localhost:15432/inference";

    @Option(names = "--input", required = true, paramLabel = "FILE", description = "JSON lines to embed.")
    Path input;

    @Option(names = "--output", required = true, paramLabel = "FILE",
            description = "Results, JSON lines; appended to (resume) if it exists.")
    Path output;

    @Option(names = "--model", paramLabel = "NAME",
            description = "Model from the registry (default: the registry's default, " + ModelRegistry.DEFAULT_MODEL + ").")
    String model;

    @Option(names = "--postgres", arity = "0..1", paramLabel = "JDBC-URL",
            fallbackValue = "${env:POSTGRES_URL:-" + DEFAULT_POSTGRES_URL + "}",
            description = "Also upsert each document's row into PostgreSQL (inference_results, backfill_runs;"
                    + " sql/README.md). Without a URL: $POSTGRES_URL, else " + DEFAULT_POSTGRES_URL
                    + ". User and password: $POSTGRES_USER, $POSTGRES_PASSWORD (default inference).")
    String postgresUrl;

    @Option(names = "--as-user", paramLabel = "USER_ID",
            description = "The admin identity the run is recorded under (needed with --postgres; must hold a valid"
                    + " admin key in api_keys).")
    String asUser;

    @Option(names = "--run-id", paramLabel = "ID",
            description = "Names the run in PostgreSQL (letters, digits, . _ -; default: the output file's name"
                    + " without extension). Rows are upserted by run id and document id.")
    String runId;

    @Option(names = "--limit", paramLabel = "N",
            description = "Answer at most N more lines in this run, then stop (run again to continue).")
    Long limit;

    @Option(names = "--parallelism", paramLabel = "N", defaultValue = "1",
            description = "Parallelism of the batcher and the inference operator (default ${DEFAULT-VALUE}); the"
                    + " inference threads are shared (-D streaminfer.inference.threads=N).")
    int parallelism;

    @Option(names = "--progress", paramLabel = "MODE",
            description = "bar, lines or none (default: bar on a terminal, else a line every 10 s).")
    ProgressReporter.Mode progress;

    @Option(names = "-D", paramLabel = "KEY=VALUE", mapFallbackValue = "",
            description = "A job option, e.g. -D streaminfer.batching.max-texts=64 or -D streaminfer.models.file=models.json.")
    Map<String, String> options = new LinkedHashMap<>();

    @Spec
    CommandSpec spec;

    /** What the last {@link #call()} did; null if it was refused. */
    Report report;

    public Report report() {
        return report;
    }

    /**
     * One run's account.
     *
     * @param totalLines answerable (non-blank) input lines
     * @param answeredBefore lines already in the output when the run started
     * @param answeredNow lines in the output when it ended
     * @param sentToModel documents this run sent to the model
     */
    public record Report(long totalLines, long answeredBefore, long answeredNow, long sentToModel, double seconds) {
        public boolean complete() {
            return answeredNow >= totalLines;
        }
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command as {@link #main} runs it (tests and the benchmark call it in-process). */
    public static CommandLine commandLine() {
        return new CommandLine(new EmbedCommand()).setCaseInsensitiveEnumValuesAllowed(true);
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            report = run(out, err);
            return 0;
        } catch (IllegalArgumentException e) {
            err.println("embed: " + e.getMessage());
            return 2;
        }
    }

    private Report run(PrintWriter out, PrintWriter err) throws Exception {
        Configuration conf = Configuration.fromMap(options);
        ModelRegistry registry = BatchingOptions.modelRegistry(conf, System.getenv());
        String modelName = model != null ? model : registry.defaultModel();
        ModelSpec spec = registry.find(modelName).orElseThrow(() -> new IllegalArgumentException(
                "unknown model \"" + modelName + "\"; known: " + registry.all().stream().map(ModelSpec::name).collect(Collectors.joining(", "))));
        if (!Files.isReadable(input)) {
            throw new IllegalArgumentException("cannot read --input " + input);
        }
        if (limit != null && limit < 0) {
            throw new IllegalArgumentException("--limit must be 0 or more");
        }
        long total = answerableLines(input);
        ResumeState resume = ResumeState.prepare(output);
        if (resume.lines() > 0) {
            out.println("embed: resuming: " + resume.lines() + " of " + total + " lines already in " + output
                    + (resume.truncatedBytes() > 0 ? " (cut a torn last line of " + resume.truncatedBytes() + " bytes)" : ""));
        }
        PostgresResults postgres = postgresUrl == null ? null : openRun(spec, out);
        String userId = asUser != null ? asUser : "backfill";

        Configuration jobConf = new Configuration(conf);
        jobConf.set(RestartStrategyOptions.RESTART_STRATEGY, "none"); // a failed run is resumed, not restarted
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(parallelism, jobConf);
        BackfillJob.build(env, new BackfillJob.Plan(input, output, registry, spec, userId, resume.answered(),
                limit != null ? limit : Long.MAX_VALUE, BatchingSettings.fromConfiguration(conf), postgres));

        long startOffset = Files.exists(output) ? Files.size(output) : 0;
        long t0 = System.nanoTime();
        JobExecutionResult result;
        ProgressReporter reporter = new ProgressReporter(output, startOffset, resume.lines(), total, progressMode(),
                err, progressMode() == ProgressReporter.Mode.BAR ? 250 : 10_000);
        try (reporter) {
            result = env.execute("embed " + input.getFileName());
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        Long sent = result.getAccumulatorResult(AdmitFunction.SENT_TO_MODEL);
        Report r = new Report(total, resume.lines(), resume.lines() + reporter.linesThisRun(),
                sent == null ? 0 : sent, seconds);
        if (postgres != null && r.complete()) {
            try (Connection c = postgres.connect()) {
                postgres.finishRun(c);
            }
        }
        out.printf("embed: %s: %d of %d lines answered in %s (this run: %d lines, %d sent to the model, %.1f s)%n",
                r.complete() ? "done" : "stopped early (run again to continue)", r.answeredNow(), total, output,
                r.answeredNow() - r.answeredBefore(), r.sentToModel(), seconds);
        out.flush();
        return r;
    }

    private PostgresResults openRun(ModelSpec spec, PrintWriter out) throws SQLException {
        if (asUser == null) {
            throw new IllegalArgumentException("--postgres needs --as-user: a backfill is recorded under an admin identity");
        }
        String run = runId != null ? runId : defaultRunId(output);
        PostgresResults postgres = new PostgresResults(postgresUrl,
                Optional.ofNullable(System.getenv("POSTGRES_USER")).orElse("inference"),
                Optional.ofNullable(System.getenv("POSTGRES_PASSWORD")).orElse("inference"), run);
        try (Connection c = postgres.connect()) {
            PostgresResults.requireAdmin(c, asUser);
            postgres.startRun(c, asUser, spec.name(), input.toAbsolutePath().toString(), output.toAbsolutePath().toString());
        } catch (SQLException e) {
            if ("42P01".equals(e.getSQLState())) {
                throw new IllegalArgumentException("the backfill tables are missing at " + postgresUrl
                        + "; apply the migrations of sql/ (V22)");
            }
            throw new IllegalArgumentException("PostgreSQL at " + postgresUrl + ": " + e.getMessage());
        }
        out.println("embed: run " + run + " as " + asUser + " into PostgreSQL at " + postgresUrl);
        return postgres;
    }

    /** The output file's name without its extension, with characters a run id cannot hold replaced by '-'. */
    static String defaultRunId(Path output) {
        String name = output.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        String id = stem.replaceAll("[^A-Za-z0-9._-]", "-");
        return id.length() > 100 ? id.substring(0, 100) : id;
    }

    /** Non-blank lines: each one gets exactly one output line. */
    static long answerableLines(Path input) throws IOException {
        long n = 0;
        // Decoded as the job's source decodes (malformed bytes replaced), so both see the same lines.
        try (BufferedReader in = new BufferedReader(new InputStreamReader(Files.newInputStream(input), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (!line.isBlank()) {
                    n++;
                }
            }
        }
        return n;
    }

    private ProgressReporter.Mode progressMode() {
        if (progress != null) {
            return progress;
        }
        return System.console() != null ? ProgressReporter.Mode.BAR : ProgressReporter.Mode.LINES;
    }
}
