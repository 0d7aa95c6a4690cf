package dev.streaminfer.backfill;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/**
 * Appends one line per outcome to the output file ({@link OutputLines}); with PostgreSQL, upserts
 * the documents' rows first. Run with parallelism 1 (one appender per file).
 *
 * <p>Outcomes are written in groups of up to {@link #GROUP} (or sooner, once the oldest waited
 * {@link #MAX_HOLD_MS}): rows committed, then lines appended and flushed. So a line in the file
 * always has its row in PostgreSQL, and resuming from the file never leaves a row missing; a kill
 * loses at most the group in hand (computed again on resume) and at worst tears the last line,
 * which {@link ResumeState} cuts off. Delivery to PostgreSQL is at least once, made exact by the
 * upsert.
 */
final class OutputFileSink implements Sink<Outcome> {

    static final int GROUP = 64;
    static final long MAX_HOLD_MS = 500;

    private final String output;
    private final PostgresResults postgres;

    /** @param postgres where rows also go; null for the file alone */
    OutputFileSink(Path output, PostgresResults postgres) {
        this.output = output.toString();
        this.postgres = postgres;
    }

    @Override
    public SinkWriter<Outcome> createWriter(WriterInitContext context) throws IOException {
        try {
            return new Writer(Path.of(output), postgres == null ? null : postgres.connect(), postgres);
        } catch (SQLException e) {
            throw new IOException("cannot connect to PostgreSQL at " + postgres.url() + ": " + e.getMessage(), e);
        }
    }

    static final class Writer implements SinkWriter<Outcome> {
        private final BufferedWriter file;
        private final Connection connection;
        private final PostgresResults postgres;
        private final List<Outcome> group = new ArrayList<>(GROUP);
        private long groupStartedAt;

        Writer(Path output, Connection connection, PostgresResults postgres) throws IOException {
            this.file = new BufferedWriter(new OutputStreamWriter(Files.newOutputStream(output,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE),
                    StandardCharsets.UTF_8), 1 << 20);
            this.connection = connection;
            this.postgres = postgres;
        }

        @Override
        public void write(Outcome outcome, Context context) throws IOException {
            long now = System.currentTimeMillis();
            if (group.isEmpty()) {
                groupStartedAt = now;
            }
            group.add(outcome);
            if (group.size() >= GROUP || now - groupStartedAt >= MAX_HOLD_MS) {
                writeGroup();
            }
        }

        @Override
        public void flush(boolean endOfInput) throws IOException {
            writeGroup();
        }

        private void writeGroup() throws IOException {
            if (group.isEmpty()) {
                return;
            }
            if (connection != null) {
                try {
                    postgres.upsert(connection, group);
                } catch (SQLException e) {
                    throw new IOException("PostgreSQL upsert of " + group.size() + " rows failed: " + e.getMessage(), e);
                }
            }
            // The whole group in one buffered write, flushed at once: a kill tears at most the last line.
            StringBuilder lines = new StringBuilder(group.size() * 4096);
            for (Outcome o : group) {
                lines.append(OutputLines.of(o)).append('\n');
            }
            file.write(lines.toString());
            file.flush();
            group.clear();
        }

        @Override
        public void close() throws Exception {
            try {
                writeGroup();
            } finally {
                file.close();
                if (connection != null) {
                    connection.close();
                }
            }
        }
    }
}
