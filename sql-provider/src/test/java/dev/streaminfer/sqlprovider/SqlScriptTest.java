package dev.streaminfer.sqlprovider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class SqlScriptTest {

    @Test
    void statementsEndAtASemicolonAtTheEndOfALineAndCommentsAreLeftOut() {
        String script = """
                -- a comment
                CREATE TABLE t (
                  a STRING -- not a comment line, kept
                ) WITH ('x' = 'a;b');

                INSERT INTO t SELECT 'x';
                """;

        assertThat(SqlScript.statements(script)).containsExactly(
                "CREATE TABLE t (\n  a STRING -- not a comment line, kept\n) WITH ('x' = 'a;b')",
                "INSERT INTO t SELECT 'x'");
    }

    @Test
    void aScriptEndingWithoutSemicolonIsRefused() {
        assertThatThrownBy(() -> SqlScript.statements("SELECT 1;\nSELECT 2"))
                .hasMessage("the script ends without ';' after: SELECT 2");
    }

    @Test
    void theExampleHoldsItsFourStatements() throws Exception {
        String script = Files.readString(Path.of("..", "sql", "flink", "embed-documents.sql"), StandardCharsets.UTF_8);

        assertThat(SqlScript.statements(script)).extracting(s -> s.substring(0, s.indexOf(' ', 7)))
                .containsExactly("CREATE TABLE", "CREATE TABLE", "CREATE MODEL", "INSERT INTO");
    }
}
