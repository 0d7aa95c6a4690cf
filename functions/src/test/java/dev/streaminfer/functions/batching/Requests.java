package dev.streaminfer.functions.batching;

import dev.streaminfer.contract.model.InferenceRequest;
import dev.streaminfer.contract.model.Priority;
import java.time.Instant;
import java.util.Arrays;

/** Test requests that read like the domain: {@code request("r1").texts(3).tokens(40).high().build()}. */
final class Requests {

    static final long T0 = Instant.parse("2026-11-22T10:00:00Z").toEpochMilli();
    static final String MINILM = "all-minilm-l6-v2-q";
    static final String BGE = "bge-small-en-v15-q";

    private String id;
    private String user = "alice";
    private String model = MINILM;
    private String[] inputs = {"hello world"};
    private Priority priority = Priority.NORMAL;
    private long deadline = T0 + 60_000;
    private int tokens = 4;

    static Requests request(String id) {
        Requests r = new Requests();
        r.id = id;
        return r;
    }

    Requests texts(int n) {
        inputs = new String[n];
        for (int i = 0; i < n; i++) {
            inputs[i] = id + " text " + i;
        }
        return this;
    }

    Requests inputs(String... texts) {
        inputs = texts;
        return this;
    }

    Requests tokens(int n) {
        tokens = n;
        return this;
    }

    Requests user(String userId) {
        user = userId;
        return this;
    }

    Requests model(String name) {
        model = name;
        return this;
    }

    Requests high() {
        priority = Priority.HIGH;
        return this;
    }

    Requests critical() {
        priority = Priority.CRITICAL;
        return this;
    }

    Requests low() {
        priority = Priority.LOW;
        return this;
    }

    Requests deadline(long epochMs) {
        deadline = epochMs;
        return this;
    }

    InferenceRequest build() {
        return new InferenceRequest(id, user, model, Arrays.copyOf(inputs, inputs.length), priority, deadline,
                T0, tokens, null);
    }

    BufferedRequest arrivedAt(long time) {
        return new BufferedRequest(build(), time);
    }
}
