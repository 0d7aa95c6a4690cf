package dev.streaminfer.functions.inference;

/** A batch could not be computed; the caller decides whether to retry, split or fail it. */
public class InferenceException extends RuntimeException {
    public InferenceException(String message, Throwable cause) {
        super(message, cause);
    }
}
