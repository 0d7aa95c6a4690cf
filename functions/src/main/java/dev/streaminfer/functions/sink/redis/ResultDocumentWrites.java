package dev.streaminfer.functions.sink.redis;

import dev.streaminfer.contract.redis.RedisKeys;
import dev.streaminfer.functions.connector.redis.RedisWrite;
import dev.streaminfer.functions.connector.redis.RedisWriteMapper;

import dev.streaminfer.contract.model.InferenceResult;
import dev.streaminfer.contract.serde.ResultDocumentCodec;
import dev.streaminfer.contract.telemetry.Tracing;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Each result becomes its document under {@link RedisKeys#result}, expiring after a TTL. */
public final class ResultDocumentWrites implements RedisWriteMapper<InferenceResult> {

    private final long ttlSeconds;

    public ResultDocumentWrites(long ttlSeconds) {
        this.ttlSeconds = ttlSeconds;
    }

    public static final String SPAN = "redis set inference:result";

    /** The writer sends the SET right away; with tracing on it is a span in the request's trace. */
    @Override
    public List<RedisWrite> toWrites(InferenceResult result) {
        return Tracing.sinkWrite(SPAN, "db.system", "redis", result, () -> List.of(new RedisWrite(
                RedisKeys.result(result.requestId()),
                new String(ResultDocumentCodec.encode(result), StandardCharsets.UTF_8), ttlSeconds)));
    }
}
