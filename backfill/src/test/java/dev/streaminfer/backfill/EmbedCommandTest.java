package dev.streaminfer.backfill;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The command's checks that refuse a run before any Flink job starts (exit status 2). */
class EmbedCommandTest {

    @TempDir
    Path dir;

    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cmd = EmbedCommand.commandLine();
        cmd.setErr(new PrintWriter(err, true));
        cmd.setOut(new PrintWriter(new StringWriter(), true));
        return cmd.execute(args);
    }

    private Path input() throws Exception {
        return Files.writeString(dir.resolve("docs.jsonl"), "{\"id\": \"a\", \"text\": \"hello\"}\n");
    }

    @Test
    void anUnknownModelIsRefusedNamingTheKnownOnes() throws Exception {
        int code = run("--input", input().toString(), "--output", dir.resolve("out.jsonl").toString(), "--model", "gpt-9");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("unknown model \"gpt-9\"").contains("all-minilm-l6-v2-q");
        assertThat(dir.resolve("out.jsonl")).doesNotExist();
    }

    @Test
    void postgresWithoutAnAdminIdentityIsRefused() throws Exception {
        int code = run("--input", input().toString(), "--output", dir.resolve("out.jsonl").toString(),
                "--postgres", "jdbc:postgresql://127.0.0.1:1/none");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("--postgres needs --as-user");
    }

    @Test
    void aMissingInputIsRefused() {
        int code = run("--input", dir.resolve("nope.jsonl").toString(), "--output", dir.resolve("out.jsonl").toString());
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("cannot read --input");
    }

    @Test
    void anOutputFileOfAnotherFormatIsNeverAppendedTo() throws Exception {
        Path out = Files.writeString(dir.resolve("out.jsonl"), "{\"foo\": 1}\n");
        int code = run("--input", input().toString(), "--output", out.toString());
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("line 1");
        assertThat(Files.readString(out)).isEqualTo("{\"foo\": 1}\n");
    }

    @Test
    void postgresWithoutAUrlTakesTheEnvironmentsOrTheLocalStacks() {
        CommandLine cmd = EmbedCommand.commandLine();
        cmd.parseArgs("--input", "a.jsonl", "--output", "b.jsonl", "--postgres", "--as-user", "ops-admin");
        String expected = System.getenv().getOrDefault("POSTGRES_URL", "jdbc:postgresql://localhost:15432/inference");
        assertThat(((EmbedCommand) cmd.getCommand()).postgresUrl).isEqualTo(expected);

        cmd = EmbedCommand.commandLine();
        cmd.parseArgs("--input", "a.jsonl", "--output", "b.jsonl", "--postgres", "jdbc:postgresql://db:5432/x");
        assertThat(((EmbedCommand) cmd.getCommand()).postgresUrl).isEqualTo("jdbc:postgresql://db:5432/x");

        cmd = EmbedCommand.commandLine();
        cmd.parseArgs("--input", "a.jsonl", "--output", "b.jsonl");
        assertThat(((EmbedCommand) cmd.getCommand()).postgresUrl).isNull();
    }

    @Test
    void theDefaultRunIdIsTheOutputFileNameWithoutExtension() {
        assertThat(EmbedCommand.defaultRunId(Path.of("/data/results-2026.jsonl"))).isEqualTo("results-2026");
        assertThat(EmbedCommand.defaultRunId(Path.of("my run:1.jsonl"))).isEqualTo("my-run-1");
        assertThat(EmbedCommand.defaultRunId(Path.of(".hidden"))).isEqualTo(".hidden");
    }

    @Test
    void answerableLinesAreTheNonBlankOnes() throws Exception {
        Path in = Files.writeString(dir.resolve("in.jsonl"), "a\n\n  \nb\nnot json\n");
        assertThat(EmbedCommand.answerableLines(in)).isEqualTo(3);
    }
}
