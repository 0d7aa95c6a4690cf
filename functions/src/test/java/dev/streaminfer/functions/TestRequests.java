package dev.streaminfer.functions;

import dev.streaminfer.contract.model.InferenceRequest;
import dev.streaminfer.functions.model.RawRecord;
import java.nio.charset.StandardCharsets;

/** Test data that reads like the domain: {@code request("r-1", "alice", "hello")} submitted at {@link #T0}. */
public final class TestRequests {

    public static final long T0 = dev.streaminfer.contract.TestRequests.T0;

    private TestRequests() {}

    public static InferenceRequest request(String requestId, String userId, String... inputs) {
        return dev.streaminfer.contract.TestRequests.request(requestId, userId, inputs);
    }

    public static RawRecord rawRecord(String userId, String json, long offset) {
        return new RawRecord(userId.getBytes(StandardCharsets.UTF_8), json.getBytes(StandardCharsets.UTF_8),
                "inference-requests", 0, offset, T0, null);
    }
}
