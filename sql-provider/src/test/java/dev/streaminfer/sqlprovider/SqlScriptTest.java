package dev.streaminfer.sqlprovider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.config.ExecutionConfigOptions;
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
    void setStatementsSetATableOptionForTheStatementsAfterThem() {
        TableEnvironment tables = TableEnvironment.create(EnvironmentSettings.inStreamingMode());

        SqlScript.execute(tables, "SET 'table.exec.sink.require-on-conflict' = 'false';\n"
                + "CREATE TEMPORARY VIEW v AS SELECT 1 AS n;\n");

        assertThat(tables.getConfig().get(ExecutionConfigOptions.TABLE_EXEC_SINK_REQUIRE_ON_CONFLICT)).isFalse();
        assertThat(tables.listViews()).contains("v");
    }

    @Test
    void aScriptEndingWithoutSemicolonIsRefused() {
        assertThatThrownBy(() -> SqlScript.statements("SELECT 1;\nSELECT 2"))
                .hasMessage("the script ends without ';' after: SELECT 2");
    }

    @Test
    void theExampleHoldsItsStatements() throws Exception {
        String script = Files.readString(Path.of("..", "sql", "flink", "embed-documents.sql"), StandardCharsets.UTF_8);

        assertThat(SqlScript.statements(script)).extracting(s -> s.substring(0, s.indexOf(' ', 7)))
                .containsExactly("CREATE TABLE", "CREATE TABLE", "CREATE MODEL", "SET 'table.exec.sink.require-on-conflict'",
                        "INSERT INTO");
    }
}
