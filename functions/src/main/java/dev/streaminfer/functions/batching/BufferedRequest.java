package dev.streaminfer.functions.batching;

import dev.streaminfer.contract.model.InferenceRequest;

/** A request waiting for its batch, with the processing time it arrived at (operator state). */
public record BufferedRequest(InferenceRequest request, long arrivedAt) {

    int texts() {
        return request.inputs() == null ? 0 : request.inputs().length;
    }
}
