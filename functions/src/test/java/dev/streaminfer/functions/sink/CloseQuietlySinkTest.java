package dev.streaminfer.functions.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.junit.jupiter.api.Test;

class CloseQuietlySinkTest {

    /** A writer that behaves like the JDBC connector's after its database went away. */
    static final class BrokenOnCloseWriter implements SinkWriter<String> {
        final List<String> written = new ArrayList<>();
        boolean failFlush;
        boolean closed;

        @Override
        public void write(String element, Context context) {
            written.add(element);
        }

        @Override
        public void flush(boolean endOfInput) throws IOException {
            if (failFlush) {
                throw new IOException("database unreachable");
            }
        }

        @Override
        public void close() {
            closed = true;
            throw new NullPointerException("statement is null");
        }
    }

    @Test
    void passesWritesAndFlushFailuresThroughButNeverThrowsFromClose() throws Exception {
        BrokenOnCloseWriter broken = new BrokenOnCloseWriter();
        CloseQuietlySink.QuietWriter<String> writer = new CloseQuietlySink.QuietWriter<>(broken);

        writer.write("a", null);
        assertThat(broken.written).containsExactly("a");

        broken.failFlush = true;
        assertThatThrownBy(() -> writer.flush(false)).isInstanceOf(IOException.class);

        assertThatCode(writer::close).doesNotThrowAnyException();
        assertThat(broken.closed).isTrue();
    }
}
