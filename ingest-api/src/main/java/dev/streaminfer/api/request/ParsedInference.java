package dev.streaminfer.api.request;

import dev.streaminfer.contract.model.Priority;

/** A valid {@code POST /v1/inference} body. {@code inputTokens} is the API's own (early) count. */
public record ParsedInference(String model, String[] inputs, Priority priority, long timeoutMs, int inputTokens) {

    @Override
    public String toString() {
        return "ParsedInference{model=" + model + ", inputs=" + inputs.length + ", priority=" + priority
                + ", timeoutMs=" + timeoutMs + ", inputTokens=" + inputTokens + "}";
    }
}
