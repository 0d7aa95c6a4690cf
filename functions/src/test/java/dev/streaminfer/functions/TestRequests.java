package dev.streaminfer.functions;

import dev.streaminfer.functions.model.InferenceRequest;
import dev.streaminfer.functions.model.Priority;
import dev.streaminfer.functions.model.RawRecord;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/** Test data that reads like the domain: {@code aliceRequest("hello").at(T0)}. */
public final class TestRequests {

    public static final long T0 = Instant.parse("2026-11-22T10:00:00Z").toEpochMilli();

    private TestRequests() {}

    public static InferenceRequest request(String requestId, String userId, String... inputs) {
        return new InferenceRequest(requestId, userId, "all-minilm-l6-v2-q", inputs, Priority.NORMAL,
                T0 + 60_000, T0, 0, null);
    }

    public static RawRecord rawRecord(String userId, String json, long offset) {
        return new RawRecord(userId.getBytes(StandardCharsets.UTF_8), json.getBytes(StandardCharsets.UTF_8),
                "inference-requests", 0, offset, T0, null);
    }
}
