package dev.streaminfer.functions.batching;

import dev.streaminfer.contract.model.InferenceRequest;
import java.util.Arrays;
import java.util.Objects;

/**
 * Requests of one model computed together. An array keeps it a Flink POJO without Kryo: it is
 * what the async inference operator holds in flight and checkpoints.
 *
 * @param batchId        for logs: the first request's id and the batch size
 * @param firstArrivedAt processing time the oldest member arrived at the batcher
 * @param closedAt       processing time the batch was closed
 */
public record InferenceBatch(String batchId, String model, InferenceRequest[] requests, long firstArrivedAt,
                             long closedAt) {

    public int texts() {
        int n = 0;
        for (InferenceRequest r : requests) {
            n += r.inputs().length;
        }
        return n;
    }

    public int tokens() {
        int n = 0;
        for (InferenceRequest r : requests) {
            n += r.inputTokens();
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof InferenceBatch b
                && firstArrivedAt == b.firstArrivedAt
                && closedAt == b.closedAt
                && Objects.equals(batchId, b.batchId)
                && Objects.equals(model, b.model)
                && Arrays.equals(requests, b.requests);
    }

    @Override
    public int hashCode() {
        return Objects.hash(batchId, model, firstArrivedAt, closedAt) + 31 * Arrays.hashCode(requests);
    }

    @Override
    public String toString() {
        return "InferenceBatch{batchId=" + batchId + ", model=" + model + ", requests=" + requests.length
                + ", texts=" + texts() + ", tokens=" + tokens() + "}";
    }
}
