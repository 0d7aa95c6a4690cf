package dev.streaminfer.functions.decode;

import java.time.Duration;
import java.time.Instant;
import dev.streaminfer.contract.registry.ModelRegistry;
import dev.streaminfer.contract.registry.ModelSpec;
import dev.streaminfer.functions.model.DeadLetter;
import dev.streaminfer.contract.model.ErrorCode;
import dev.streaminfer.contract.model.InferenceRequest;
import dev.streaminfer.functions.model.RawRecord;
import dev.streaminfer.contract.serde.InferenceRequestCodec;
import dev.streaminfer.contract.validation.InputValidator;
import dev.streaminfer.contract.validation.TokenCounter;
import java.util.Optional;
import java.util.function.Function;

/**
 * Turns a raw Kafka record into a validated request with its authoritative token count, or into
 * a dead letter saying why. Plain logic: the Flink function around it only routes the outcome.
 */
public final class RequestDecoder {

    /** Exactly one of the two is set. */
    public record Outcome(InferenceRequest request, DeadLetter deadLetter) {}

    private final ModelRegistry registry;
    private final Function<ModelSpec, TokenCounter> tokenCounters;
    private final long maxClockSkewMillis;

    /**
     * @param maxClockSkew how far a request's {@code submitted_at} may be from its Kafka record's
     *     timestamp: a producer's clock is not taken on trust, since quota decisions run on it
     */
    public RequestDecoder(ModelRegistry registry, Function<ModelSpec, TokenCounter> tokenCounters,
                          Duration maxClockSkew) {
        this.registry = registry;
        this.tokenCounters = tokenCounters;
        this.maxClockSkewMillis = maxClockSkew.toMillis();
    }

    public Outcome decode(RawRecord record) {
        InferenceRequestCodec.Decoded decoded = InferenceRequestCodec.decode(
                record.value(), registry.defaultModel(), record.timestamp(), record.traceparent());
        if (!decoded.isValid()) {
            return rejected(record, decoded.failure().code(), decoded.failure().message());
        }
        InferenceRequest request = decoded.request();
        if (Math.abs(request.submittedAt() - record.timestamp()) > maxClockSkewMillis) {
            return rejected(record, ErrorCode.SUBMITTED_AT_OUT_OF_RANGE, "submitted_at "
                    + Instant.ofEpochMilli(request.submittedAt()) + " is more than " + maxClockSkewMillis
                    + " ms from the Kafka record's timestamp " + Instant.ofEpochMilli(record.timestamp()));
        }
        Optional<ModelSpec> spec = registry.find(request.model());
        if (spec.isEmpty()) {
            return rejected(record, ErrorCode.UNKNOWN_MODEL, "unknown model: " + request.model());
        }
        InputValidator.Outcome checked = InputValidator.validate(
                request.inputs(), spec.get().maxInputTokens(), tokenCounters.apply(spec.get()));
        if (!checked.isValid()) {
            return rejected(record, checked.failure().code(), checked.failure().message());
        }
        return new Outcome(request.withInputTokens(checked.totalTokens()), null);
    }

    private static Outcome rejected(RawRecord record, ErrorCode code, String detail) {
        return new Outcome(null, new DeadLetter(record, code.code(), detail));
    }
}
