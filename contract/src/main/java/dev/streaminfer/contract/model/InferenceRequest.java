package dev.streaminfer.contract.model;

import java.util.Arrays;
import java.util.Objects;

/**
 * A request to embed {@code inputs} with {@code model}, as it travels on the
 * {@code inference-requests} topic and through the job.
 *
 * <p>Times are epoch milliseconds. {@code inputTokens} is counted by the job with the model's
 * tokenizer (authoritative; a producer cannot set it); it is 0 until the job has validated the
 * request. Arrays rather than lists keep the type a Flink POJO without Kryo.
 */
public record InferenceRequest(
        String requestId,
        String userId,
        String model,
        String[] inputs,
        Priority priority,
        long deadline,
        long submittedAt,
        int inputTokens,
        String traceparent) {

    public InferenceRequest withInputTokens(int tokens) {
        return new InferenceRequest(
                requestId, userId, model, inputs, priority, deadline, submittedAt, tokens, traceparent);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof InferenceRequest r
                && deadline == r.deadline
                && submittedAt == r.submittedAt
                && inputTokens == r.inputTokens
                && Objects.equals(requestId, r.requestId)
                && Objects.equals(userId, r.userId)
                && Objects.equals(model, r.model)
                && Arrays.equals(inputs, r.inputs)
                && priority == r.priority
                && Objects.equals(traceparent, r.traceparent);
    }

    @Override
    public int hashCode() {
        return Objects.hash(requestId, userId, model, priority, deadline, submittedAt, inputTokens)
                + 31 * Arrays.hashCode(inputs);
    }

    @Override
    public String toString() {
        // Input texts stay out of logs and exception messages.
        return "InferenceRequest{requestId=" + requestId + ", userId=" + userId + ", model=" + model
                + ", inputs=" + (inputs == null ? 0 : inputs.length) + ", priority=" + priority
                + ", deadline=" + deadline + ", submittedAt=" + submittedAt
                + ", inputTokens=" + inputTokens + "}";
    }
}
