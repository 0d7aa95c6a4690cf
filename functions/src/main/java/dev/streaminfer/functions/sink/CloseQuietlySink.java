package dev.streaminfer.functions.sink;

import java.io.IOException;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wraps an at-least-once sink so that its writer's {@code close()} cannot throw.
 *
 * <p>Why: when PostgreSQL goes away, flink-connector-jdbc 4.0's writer fails its flush (right),
 * then fails again in {@code close()} with a NullPointerException from its half-rebuilt
 * statement executor. An exception thrown while a failing task cleans up is treated by Flink as
 * fatal and takes down the whole TaskManager, so a database outage would kill every task on it
 * instead of restarting the job. Records are not lost by closing quietly: the task is already
 * failing, and the job replays from its last checkpoint.
 *
 * <p>Only for sinks whose guarantee does not rest on a committer (this wrapper has none).
 */
public final class CloseQuietlySink<T> implements Sink<T> {

    private static final Logger LOG = LoggerFactory.getLogger(CloseQuietlySink.class);

    private final Sink<T> delegate;

    public CloseQuietlySink(Sink<T> delegate) {
        this.delegate = delegate;
    }

    @Override
    public SinkWriter<T> createWriter(WriterInitContext context) throws IOException {
        return new QuietWriter<>(delegate.createWriter(context));
    }

    static final class QuietWriter<T> implements SinkWriter<T> {

        private final SinkWriter<T> writer;

        QuietWriter(SinkWriter<T> writer) {
            this.writer = writer;
        }

        @Override
        public void write(T element, Context context) throws IOException, InterruptedException {
            writer.write(element, context);
        }

        @Override
        public void flush(boolean endOfInput) throws IOException, InterruptedException {
            writer.flush(endOfInput);
        }

        @Override
        public void close() {
            try {
                writer.close();
            } catch (Exception e) {
                LOG.warn("sink writer failed to close; the job replays from its last checkpoint: error={}", e.toString());
            }
        }
    }
}
