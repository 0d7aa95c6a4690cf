package dev.streaminfer.sqlprovider;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.TableResult;

/**
 * Runs a Flink SQL script, statement by statement, as the SQL client's {@code -f} does: the
 * examples in {@code sql/flink/} run with it ({@code bin/flink-sql FILE}) and the ITCase runs
 * them through it too. Statements end with a {@code ;} at the end of a line; {@code --} starts a
 * comment line; {@code SET 'key' = 'value'} sets a table option for the statements after it.
 */
public final class SqlScript {

    private static final Pattern SET = Pattern.compile("(?is)SET\\s+'([^']+)'\\s*=\\s*'([^']*)'");

    private SqlScript() {}

    /** The statements of {@code script}, comments and blank lines left out, without their {@code ;}. */
    public static List<String> statements(String script) {
        List<String> statements = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : script.split("\n", -1)) {
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("--")) {
                continue;
            }
            if (trimmed.endsWith(";")) {
                current.append(line, 0, line.lastIndexOf(';'));
                statements.add(current.toString().strip());
                current.setLength(0);
            } else {
                current.append(line).append('\n');
            }
        }
        if (!current.toString().isBlank()) {
            throw new IllegalArgumentException("the script ends without ';' after: " + current.toString().strip());
        }
        return statements;
    }

    /**
     * Executes every statement in order; returns the result of the last one (an {@code INSERT}'s
     * job runs on, reachable through {@link TableResult#getJobClient()}).
     */
    public static TableResult execute(TableEnvironment tables, String script) {
        TableResult last = null;
        for (String statement : statements(script)) {
            Matcher set = SET.matcher(statement);
            if (set.matches()) {
                tables.getConfig().set(set.group(1), set.group(2));
                continue;
            }
            last = tables.executeSql(statement);
        }
        if (last == null) {
            throw new IllegalArgumentException("the script holds no statement");
        }
        return last;
    }

    /** {@code SqlScript FILE}: runs the script in a local streaming environment until its job ends. */
    public static void main(String[] args) throws IOException, InterruptedException, java.util.concurrent.ExecutionException {
        if (args.length != 1) {
            System.err.println("usage: SqlScript FILE.sql");
            System.exit(2);
        }
        String script = Files.readString(Path.of(args[0]), StandardCharsets.UTF_8);
        TableEnvironment tables = TableEnvironment.create(EnvironmentSettings.inStreamingMode());
        TableResult result = execute(tables, script);
        result.getJobClient().ifPresent(job -> System.out.println("running job " + job.getJobID()
                + " (Ctrl-C stops it)"));
        result.await();
    }
}
