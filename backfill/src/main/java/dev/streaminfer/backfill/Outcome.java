package dev.streaminfer.backfill;

import dev.streaminfer.contract.model.ErrorCode;
import dev.streaminfer.contract.model.InferenceResult;
import dev.streaminfer.contract.model.Priority;
import dev.streaminfer.contract.model.RequestStatus;

/**
 * One answered input line on its way to the output: the job's {@link InferenceResult} for a
 * document (its {@code requestId} is the document's id), or, for a line without a usable id, a
 * rejected result without a request id and the line number it answers ({@code line} is 0 otherwise).
 */
public record Outcome(long line, InferenceResult result) {

    public static Outcome of(InferenceResult result) {
        return new Outcome(0, result);
    }

    /** A line that has no usable id: answered by its line number, never written to PostgreSQL. */
    public static Outcome unusableLine(long line, ErrorCode code, String message, String model, long now) {
        return new Outcome(line, new InferenceResult(null, null, model, Priority.NORMAL, RequestStatus.REJECTED, 0,
                0, null, code.code(), message, 0, now, now, null));
    }

    public OutputLines.Key key() {
        return result.requestId() != null ? OutputLines.Key.ofId(result.requestId()) : OutputLines.Key.ofLine(line);
    }
}
