package dev.streaminfer.api.request;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.streaminfer.contract.model.Priority;
import dev.streaminfer.contract.serde.Json;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** A valid {@code POST /v1/inference} body. {@code inputTokens} is the API's own (early) count. */
public record ParsedInference(String model, String[] inputs, Priority priority, long timeoutMs, int inputTokens) {

    /**
     * SHA-256 (hex) of what the request asks for, defaults resolved: model, priority, timeout and
     * the inputs in order. Two bodies that ask for the same thing ({@code {"inputs":["a"]}} and
     * the same with the default model named) share it; any other difference changes it. What
     * {@code Idempotency-Key} compares a repeat with.
     */
    public String fingerprint() {
        ArrayNode canonical = Json.mapper().createArrayNode();
        canonical.add(model);
        canonical.add(priority.wireName());
        canonical.add(timeoutMs);
        ArrayNode texts = canonical.addArray();
        for (String input : inputs) {
            texts.add(input);
        }
        try {
            return HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-256").digest(Json.mapper().writeValueAsBytes(canonical)));
        } catch (NoSuchAlgorithmException | JsonProcessingException e) {
            throw new IllegalStateException("cannot fingerprint a request", e);
        }
    }

    @Override
    public String toString() {
        return "ParsedInference{model=" + model + ", inputs=" + inputs.length + ", priority=" + priority
                + ", timeoutMs=" + timeoutMs + ", inputTokens=" + inputTokens + "}";
    }
}
