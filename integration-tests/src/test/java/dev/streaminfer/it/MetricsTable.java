package dev.streaminfer.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metrics table in the README ("Metrics names"): rows {@code | `name` | type | source | ...} where
 * source is {@code api} (the ingest API's /metrics) or {@code job} (Flink's Prometheus reporter).
 */
final class MetricsTable {

    enum Source { API, JOB }

    record Entry(String name, String type, Source source) {}

    private static final Pattern ROW = Pattern.compile("^\\|\\s*`([a-zA-Z_:][a-zA-Z0-9_:]*)`\\s*\\|\\s*([a-z]+)\\s*\\|\\s*([a-z]+)\\s*\\|");

    private MetricsTable() {}

    /** The repository root: the first folder upwards from the working directory with docs/metrics.md. */
    static Path repoRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            if (Files.isRegularFile(dir.resolve("docs").resolve("metrics.md"))) {
                return dir;
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException("docs/metrics.md not found above " + Path.of("").toAbsolutePath());
    }

    static List<Entry> read() {
        try {
            return parse(Files.readAllLines(repoRoot().resolve("README.md")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Entry> parse(List<String> lines) {
        List<Entry> entries = new ArrayList<>();
        for (String line : lines) {
            Matcher m = ROW.matcher(line);
            if (m.find()) {
                entries.add(new Entry(m.group(1), m.group(2), Source.valueOf(m.group(3).toUpperCase(Locale.ROOT))));
            }
        }
        return entries;
    }

    /** Whether a Prometheus text scrape has a sample or a TYPE line for {@code name}. */
    static boolean exported(String scrape, String name) {
        for (String line : scrape.split("\n")) {
            if (line.startsWith(name + "{") || line.startsWith(name + " ")
                    || line.startsWith("# TYPE " + name + " ")) {
                return true;
            }
        }
        return false;
    }
}
