package dev.streaminfer.contract;

import dev.streaminfer.contract.model.InferenceRequest;
import dev.streaminfer.contract.model.Priority;
import java.time.Instant;

/** Test data that reads like the domain: {@code request("r-1", "alice", "hello")} submitted at {@link #T0}. */
public final class TestRequests {

    public static final long T0 = Instant.parse("2026-11-22T10:00:00Z").toEpochMilli();

    private TestRequests() {}

    public static InferenceRequest request(String requestId, String userId, String... inputs) {
        return new InferenceRequest(requestId, userId, "all-minilm-l6-v2-q", inputs, Priority.NORMAL,
                T0 + 60_000, T0, 0, null);
    }
}
