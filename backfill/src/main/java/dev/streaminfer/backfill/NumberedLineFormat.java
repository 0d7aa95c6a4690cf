package dev.streaminfer.backfill;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.reader.SimpleStreamFormat;
import org.apache.flink.connector.file.src.reader.StreamFormat;
import org.apache.flink.core.fs.FSDataInputStream;

/**
 * UTF-8 lines with their 1-based line numbers, which answer lines that have no usable id. Not
 * splittable (a {@link SimpleStreamFormat}): one reader reads the file from its start, so the
 * numbers are the file's own.
 */
public final class NumberedLineFormat extends SimpleStreamFormat<InputLine> {

    @Override
    public StreamFormat.Reader<InputLine> createReader(Configuration config, FSDataInputStream stream) {
        BufferedReader in = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8));
        return new StreamFormat.Reader<>() {
            private long number;

            @Override
            public InputLine read() throws IOException {
                String line = in.readLine();
                return line == null ? null : new InputLine(++number, line);
            }

            @Override
            public void close() throws IOException {
                in.close();
            }
        };
    }

    @Override
    public TypeInformation<InputLine> getProducedType() {
        return TypeInformation.of(InputLine.class);
    }
}
