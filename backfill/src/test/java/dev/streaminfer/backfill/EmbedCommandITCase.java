package dev.streaminfer.backfill;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streaminfer.contract.registry.ModelRegistry;
import dev.streaminfer.functions.inference.EmbeddingModel;
import dev.streaminfer.functions.inference.SessionSettings;
import dev.streaminfer.localstack.LocalPostgres;
import dev.streaminfer.localstack.Ports;
import dev.streaminfer.sql.Migrations;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * bin/embed end to end: the command's entry point over real files, the real models on a local
 * MiniCluster, a real PostgreSQL. Every vector is compared with the model's own output for the
 * text alone (one {@link EmbeddingModel} call per text, no batching code involved), every line's
 * answer with what the fixture says it must be, and resumes count what they send to the model.
 */
class EmbedCommandITCase {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MODEL = ModelRegistry.DEFAULT_MODEL;
    private static final int DOCUMENTS = 60;

    @TempDir
    Path dir;

    private static final Map<String, EmbeddingModel> REFERENCES = new HashMap<>();

    @AfterAll
    static void closeReferences() {
        REFERENCES.values().forEach(EmbeddingModel::close);
    }

    /** The model's own vector for a text alone. */
    private static EmbeddingModel reference(String model) {
        return REFERENCES.computeIfAbsent(model, m -> EmbeddingModel.load(
                ModelRegistry.bundled().find(m).orElseThrow(), SessionSettings.defaults()));
    }

    // ---- the fixture ------------------------------------------------------------------------

    /** An input file and what each of its lines must be answered with. */
    record Fixture(Path input, Map<String, String> textById, Map<OutputLines.Key, String> errorCodes) {
        int expectedLines() {
            return textById.size() + errorCodes.size();
        }
    }

    /** {@code documents} valid documents, with every kind of bad line among them. */
    private Fixture fixture(int documents, long seed) throws Exception {
        Random random = new Random(seed);
        String[] words = {"stream", "batch", "kafka", "flink", "quota", "token", "vector", "model", "the", "a",
                "of", "inference", "café", "東京タワー", "Здравствуй", "🚀", "checkpoint", "3.14159", "user@example.com"};
        Map<String, String> texts = new LinkedHashMap<>();
        Map<OutputLines.Key, String> errors = new LinkedHashMap<>();
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < documents; i++) {
            StringBuilder text = new StringBuilder();
            int n = 1 + random.nextInt(i % 7 == 0 ? 40 : 20); // under 256 tokens
            for (int w = 0; w < n; w++) {
                text.append(w == 0 ? "" : " ").append(words[random.nextInt(words.length)]);
            }
            String id = String.format("doc-%03d", i);
            texts.put(id, text.toString());
            lines.add(JSON.writeValueAsString(Map.of("id", id, "text", text.toString(), "source", "fixture")));
            switch (i) {
                case 3 -> lines.add("this line is not JSON");
                case 5 -> lines.add(JSON.writeValueAsString(Map.of("id", "doc-001", "text", "a repeated id")));
                case 8 -> lines.add(JSON.writeValueAsString(Map.of("id", "too-long", "text", "word ".repeat(400))));
                case 11 -> lines.add(JSON.writeValueAsString(Map.of("id", "blank-text", "text", "   ")));
                case 13 -> lines.add(JSON.writeValueAsString(Map.of("text", "a document without an id")));
                case 17 -> lines.add("{\"id\": \"no-text\"}");
                case 19 -> lines.add("");
                default -> { }
            }
            switch (i) {
                case 3 -> errors.put(OutputLines.Key.ofLine(lines.size()), "not_json");
                case 5 -> errors.put(OutputLines.Key.ofLine(lines.size()), "invalid_request");
                case 8 -> errors.put(OutputLines.Key.ofId("too-long"), "input_too_long");
                case 11 -> errors.put(OutputLines.Key.ofId("blank-text"), "invalid_request");
                case 13 -> errors.put(OutputLines.Key.ofLine(lines.size()), "missing_field");
                case 17 -> errors.put(OutputLines.Key.ofId("no-text"), "missing_field");
                default -> { }
            }
        }
        Path input = dir.resolve("docs-" + seed + ".jsonl");
        Files.write(input, lines, StandardCharsets.UTF_8);
        return new Fixture(input, texts, errors);
    }

    // ---- running the command ----------------------------------------------------------------

    record Run(int exitCode, EmbedCommand.Report report, String out, String err) {}

    private static Run embed(String... args) {
        CommandLine cmd = EmbedCommand.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int code = cmd.execute(args);
        return new Run(code, ((EmbedCommand) cmd.getCommand()).report, out.toString(), err.toString());
    }

    private static List<String> args(Fixture f, Path output, String... more) {
        List<String> args = new ArrayList<>(List.of("--input", f.input().toString(), "--output", output.toString(),
                "--progress", "none"));
        args.addAll(List.of(more));
        return args;
    }

    private static Run embed(List<String> args) {
        return embed(args.toArray(String[]::new));
    }

    // ---- checking the output ----------------------------------------------------------------

    private static Map<OutputLines.Key, JsonNode> readOutput(Path output) throws Exception {
        Map<OutputLines.Key, JsonNode> byKey = new LinkedHashMap<>();
        for (String line : Files.readAllLines(output, StandardCharsets.UTF_8)) {
            JsonNode node = JSON.readTree(line);
            OutputLines.Key key = node.has("id") ? OutputLines.Key.ofId(node.get("id").asText())
                    : OutputLines.Key.ofLine(node.get("line").asLong());
            assertThat(byKey.put(key, node)).as("a second line for %s", key).isNull();
        }
        return byKey;
    }

    /** One line per answerable input line; each document its model's own vector, each bad line its error. */
    private static void assertAnsweredCompletely(Fixture f, Path output, String model) throws Exception {
        Map<OutputLines.Key, JsonNode> byKey = readOutput(output);
        assertThat(byKey).hasSize(f.expectedLines());
        EmbeddingModel reference = reference(model);
        for (Map.Entry<String, String> doc : f.textById().entrySet()) {
            JsonNode node = byKey.get(OutputLines.Key.ofId(doc.getKey()));
            assertThat(node).as("the line of %s", doc.getKey()).isNotNull();
            assertThat(node.has("error")).as("%s failed: %s", doc.getKey(), node.get("error")).isFalse();
            assertThat(node.get("model").asText()).isEqualTo(model);
            assertThat(node.get("input_tokens").asInt()).as("tokens of %s", doc.getKey())
                    .isEqualTo(reference.tokenize(List.of(doc.getValue())).get(0).length);
            float[] expected = reference.embed(List.of(doc.getValue()))[0];
            JsonNode vector = node.get("embedding");
            assertThat(vector.size()).isEqualTo(expected.length);
            for (int i = 0; i < expected.length; i++) {
                assertThat((double) vector.get(i).floatValue()).as("%s[%d]", doc.getKey(), i)
                        .isCloseTo(expected[i], org.assertj.core.data.Offset.offset(EmbeddingModel.INVARIANCE_TOLERANCE));
            }
        }
        for (Map.Entry<OutputLines.Key, String> error : f.errorCodes().entrySet()) {
            JsonNode node = byKey.get(error.getKey());
            assertThat(node).as("the line of %s", error.getKey()).isNotNull();
            assertThat(node.path("error").path("code").asText()).as("%s", error.getKey()).isEqualTo(error.getValue());
            assertThat(node.path("error").path("message").asText()).isNotBlank();
        }
    }

    private static long embeddingLines(Path output) throws Exception {
        return embeddingLines(Files.readString(output, StandardCharsets.UTF_8));
    }

    private static long embeddingLines(String content) throws Exception {
        long n = 0;
        for (String line : content.split("\n")) {
            if (!line.isEmpty() && JSON.readTree(line).has("embedding")) {
                n++;
            }
        }
        return n;
    }

    // ---- the tests --------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {ModelRegistry.DEFAULT_MODEL, "all-minilm-l6-v2"}) // row by row; padded batches
    void everyLineIsAnsweredOnceAndEveryVectorIsTheModelsOwn(String model) throws Exception {
        Fixture f = fixture(DOCUMENTS, 1);
        Path output = dir.resolve("results.jsonl");

        Run run = embed(args(f, output, "--model", model, "-D", "streaminfer.batching.max-texts=8"));

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.report().complete()).isTrue();
        assertThat(run.report().sentToModel()).isEqualTo(DOCUMENTS);
        assertThat(run.out()).contains("done: " + f.expectedLines() + " of " + f.expectedLines());
        assertAnsweredCompletely(f, output, model);
    }

    @Test
    void aRunStoppedAtItsLimitWithATornLastLineResumesWithoutRecomputing() throws Exception {
        Fixture f = fixture(DOCUMENTS, 2);
        Path output = dir.resolve("results.jsonl");

        Run first = embed(args(f, output, "--limit", "20"));
        assertThat(first.exitCode()).as(first.err()).isZero();
        assertThat(first.report().complete()).isFalse();
        assertThat(Files.readAllLines(output)).hasSize(20);
        assertThat(first.report().sentToModel()).isEqualTo(embeddingLines(output));

        // A kill in the middle of a write: the last line loses its end.
        byte[] written = Files.readAllBytes(output);
        Files.write(output, java.util.Arrays.copyOf(written, written.length - 25));
        String all = new String(written, StandardCharsets.UTF_8);
        String intact = all.substring(0, all.lastIndexOf('\n', all.length() - 2) + 1);
        long computedBefore = embeddingLines(intact);

        Run second = embed(args(f, output));

        assertThat(second.exitCode()).as(second.err()).isZero();
        assertThat(second.out()).contains("cut a torn last line of");
        assertThat(second.report().answeredBefore()).isEqualTo(19);
        assertThat(second.report().sentToModel()).isEqualTo(DOCUMENTS - computedBefore);
        assertThat(Files.readString(output)).startsWith(intact);
        assertAnsweredCompletely(f, output, MODEL);

        Run third = embed(args(f, output));
        assertThat(third.report().sentToModel()).isZero();
        assertThat(third.report().complete()).isTrue();
        assertThat(Files.readAllLines(output)).hasSize(f.expectedLines());
    }

    @Test
    void aKilledRunResumesWithoutRecomputing() throws Exception {
        Fixture f = fixture(600, 3);
        Path output = dir.resolve("results.jsonl");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), EmbedCommand.class.getName()));
        command.addAll(args(f, output));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("killed-run.log").toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
            while (!(Files.exists(output) && Files.size(output) > 0 && Files.readAllLines(output).size() >= 100)) {
                assertThat(process.isAlive()).as(Files.readString(dir.resolve("killed-run.log"))).isTrue();
                assertThat(System.nanoTime()).as("the run wrote 100 lines in time").isLessThan(deadline);
                Thread.sleep(20);
            }
        } finally {
            process.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook, no flush
        }
        assertThat(Files.readAllLines(output).size()).as("killed before the end").isLessThan(f.expectedLines());

        ResumeState left = ResumeState.prepare(output);
        long computedBefore = embeddingLines(output);
        Run resumed = embed(args(f, output));

        assertThat(resumed.exitCode()).as(resumed.err()).isZero();
        assertThat(resumed.report().answeredBefore()).isEqualTo(left.lines());
        assertThat(resumed.report().sentToModel()).isEqualTo(600 - computedBefore);
        assertAnsweredCompletely(f, output, MODEL);
    }

    // ---- PostgreSQL -------------------------------------------------------------------------

    private static Path postgresDir;
    private static LocalPostgres postgres;

    @BeforeAll
    static void startPostgres() throws Exception {
        // Not a @TempDir: PostgreSQL runs as its own OS user, which must be able to enter the folder.
        postgresDir = Files.createTempDirectory(Path.of("/tmp"), "streaminfer-embed-it-");
        Files.setPosixFilePermissions(postgresDir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
        postgres = new LocalPostgres(Ports.freePort(), postgresDir.resolve("pg"), false);
        postgres.start();
        Migrations.apply(postgres.jdbcUrl(), postgres.user(), postgres.password());
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO api_keys (key_hash, user_id, role) VALUES"
                    + " ('hash-admin', 'ops-admin', 'admin'), ('hash-alice', 'alice', 'user'),"
                    + " ('hash-old', 'old-admin', 'admin')");
            s.executeUpdate("UPDATE api_keys SET revoked_at = now() WHERE user_id = 'old-admin'");
        }
    }

    @AfterAll
    static void stopPostgres() {
        if (postgres != null) {
            postgres.close();
        }
        if (postgresDir != null) {
            try (var paths = Files.walk(postgresDir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (java.io.IOException e) {
                // a leftover temp folder is harmless
            }
        }
    }

    private static Connection connect() throws Exception {
        return DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), postgres.password());
    }

    @Test
    void onlyAnAdminMayBackfillIntoPostgres() throws Exception {
        Fixture f = fixture(3, 4);
        for (String user : List.of("alice", "old-admin", "nobody")) {
            Path output = dir.resolve(user + ".jsonl");
            Run run = embed(args(f, output, "--postgres", postgres.jdbcUrl(), "--as-user", user));
            assertThat(run.exitCode()).isEqualTo(2);
            assertThat(run.err()).contains("\"" + user + "\"");
            assertThat(output).doesNotExist();
        }
        try (Connection c = connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(
                     "SELECT count(*) FROM backfill_runs WHERE user_id IN ('alice', 'old-admin', 'nobody')")) {
            rs.next();
            assertThat(rs.getLong(1)).isZero();
        }
    }

    @Test
    void aPostgresBackfillIsRecordedAsTheAdminsUsageAndResumesIdempotently() throws Exception {
        Fixture f = fixture(DOCUMENTS, 5);
        Path output = dir.resolve("corpus-v1.jsonl");
        List<String> args = args(f, output, "--postgres", postgres.jdbcUrl(), "--as-user", "ops-admin");

        Run first = embed(args);
        assertThat(first.exitCode()).as(first.err()).isZero();
        assertAnsweredCompletely(f, output, MODEL);
        Map<OutputLines.Key, JsonNode> file = readOutput(output);

        try (Connection c = connect()) {
            // Every document's outcome, by document id, as in the file (lines without an id have no row).
            Map<String, JsonNode> rows = new HashMap<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT document_id, request_id, user_id, status, error_code,"
                    + " input_tokens, charged_tokens, embedding FROM backfill_results WHERE run_id = 'corpus-v1'");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String id = rs.getString("document_id");
                    assertThat(rs.getString("request_id")).isEqualTo("backfill:corpus-v1:" + id);
                    assertThat(rs.getString("user_id")).isEqualTo("ops-admin");
                    JsonNode line = file.get(OutputLines.Key.ofId(id));
                    assertThat(line).as("file line of row %s", id).isNotNull();
                    if (line.has("embedding")) {
                        assertThat(rs.getString("status")).isEqualTo("completed");
                        assertThat(rs.getInt("input_tokens")).isEqualTo(line.get("input_tokens").asInt());
                        assertThat(rs.getInt("charged_tokens")).isEqualTo(line.get("input_tokens").asInt());
                        assertThat(floats(JSON.readTree(rs.getString("embedding")))).containsExactly(floats(line.get("embedding")));
                    } else {
                        assertThat(rs.getString("status")).isEqualTo("rejected");
                        assertThat(rs.getString("error_code")).isEqualTo(line.get("error").get("code").asText());
                        assertThat(rs.getInt("charged_tokens")).isZero();
                    }
                    rows.put(id, line);
                }
            }
            long idLines = file.keySet().stream().filter(k -> k.id() != null).count();
            assertThat(rows).hasSize((int) idLines);

            // The usage views count it as the admin's usage.
            long tokens = file.values().stream().filter(n -> n.has("embedding")).mapToLong(n -> n.get("input_tokens").asLong()).sum();
            assertThat(usageOfAdmin(c)).isEqualTo(List.of((long) DOCUMENTS, 3L, tokens));
            assertThat(runRow(c)).isEqualTo("ops-admin|" + MODEL + "|1|finished");
        }

        // Again, with the run complete: nothing computed, nothing added, the run counted as a second attempt.
        Run again = embed(args);
        assertThat(again.exitCode()).as(again.err()).isZero();
        assertThat(again.report().sentToModel()).isZero();
        try (Connection c = connect()) {
            assertThat(usageOfAdmin(c).get(0)).isEqualTo((long) DOCUMENTS);
            assertThat(runRow(c)).isEqualTo("ops-admin|" + MODEL + "|2|finished");
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT count(*) FROM inference_results WHERE request_id LIKE 'backfill:corpus-v1:%'")) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(DOCUMENTS + 3);
            }
        }
    }

    /** completed, rejected and charged tokens of ops-admin in usage_daily, today. */
    private static List<Long> usageOfAdmin(Connection c) throws Exception {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT completed, rejected, charged_tokens FROM usage_daily WHERE user_id = 'ops-admin' AND model = '"
                        + MODEL + "' AND day = (now() AT TIME ZONE 'UTC')::date")) {
            assertThat(rs.next()).as("a usage_daily row for ops-admin").isTrue();
            return List.of(rs.getLong(1), rs.getLong(2), rs.getLong(3));
        }
    }

    private static String runRow(Connection c) throws Exception {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT user_id, model, attempts, finished_at IS NOT NULL FROM backfill_runs WHERE run_id = 'corpus-v1'")) {
            assertThat(rs.next()).isTrue();
            return rs.getString(1) + "|" + rs.getString(2) + "|" + rs.getInt(3) + "|" + (rs.getBoolean(4) ? "finished" : "open");
        }
    }

    private static float[] floats(JsonNode array) {
        float[] v = new float[array.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = array.get(i).floatValue();
        }
        return v;
    }
}
