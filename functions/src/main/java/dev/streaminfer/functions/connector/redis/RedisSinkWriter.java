package dev.streaminfer.functions.connector.redis;

import java.io.IOException;
import org.apache.flink.api.connector.sink2.SinkWriter;

/** Flink's side of the sink: maps elements to writes and flushes on every checkpoint. */
final class RedisSinkWriter<T> implements SinkWriter<T> {

    private final RedisWriter writer;
    private final RedisWriteMapper<T> mapper;

    RedisSinkWriter(RedisWriter writer, RedisWriteMapper<T> mapper) {
        this.writer = writer;
        this.mapper = mapper;
    }

    @Override
    public void write(T element, Context context) throws IOException, InterruptedException {
        for (RedisWrite write : mapper.toWrites(element)) {
            writer.write(write);
        }
    }

    @Override
    public void flush(boolean endOfInput) throws IOException, InterruptedException {
        writer.flush();
    }

    @Override
    public void close() throws Exception {
        writer.close();
    }
}
