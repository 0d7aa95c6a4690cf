package dev.streaminfer.functions.sink;

import dev.streaminfer.contract.model.ErrorCode;
import dev.streaminfer.contract.model.InferenceResult;
import dev.streaminfer.contract.model.RequestStatus;
import dev.streaminfer.contract.serde.ResultDocumentCodec;
import java.util.Optional;

/**
 * How large a result record can be, and what a result becomes when its record would exceed the
 * limit of the topic it goes to: {@code failed} with {@code result_too_large}, nothing charged.
 * Sized from the vectors alone while far from the limit; encoded only near it.
 */
public final class ResultRecordSize {

    /** Bytes one float takes at most in a JSON result document ({@code -1.23456789E-10,}). */
    public static final int MAX_JSON_BYTES_PER_FLOAT = 16;
    /** Room for everything in a result record but its vectors: ids, usage, times, error, key, batch framing. */
    public static final int ENVELOPE_BYTES = 16 * 1024;

    private ResultRecordSize() {}

    /** The most bytes a result record with {@code vectors} vectors of {@code dimensions} floats can take. */
    public static long upperBound(int vectors, int dimensions) {
        return (long) vectors * dimensions * MAX_JSON_BYTES_PER_FLOAT + ENVELOPE_BYTES;
    }

    /**
     * @return the result to write instead of {@code result}, if {@code result}'s record would be
     *     larger than {@code limitBytes}; empty if it fits
     */
    public static Optional<InferenceResult> replacementIfTooLarge(InferenceResult result, long limitBytes, long now) {
        float[][] vectors = result.embeddings();
        if (vectors == null || vectors.length == 0 || upperBound(vectors.length, vectors[0].length) <= limitBytes) {
            return Optional.empty();
        }
        long bytes = ResultDocumentCodec.encode(result).length + (long) ENVELOPE_BYTES;
        if (bytes <= limitBytes) {
            return Optional.empty();
        }
        return Optional.of(new InferenceResult(result.requestId(), result.userId(), result.model(),
                result.priority(), RequestStatus.FAILED, result.inputTokens(), 0, null, ErrorCode.RESULT_TOO_LARGE.code(),
                "the result (" + vectors.length + " vectors, about " + bytes + " bytes) exceeds the " + limitBytes
                        + " bytes a record on the results topic may take now; send fewer inputs per request",
                0L, result.submittedAt(), now, result.traceparent()));
    }
}
