package dev.streaminfer.functions.inference;

/** A model could not be loaded (missing file, bad ONNX graph, no device): no input is to blame. */
public class ModelUnavailableException extends RuntimeException {
    public ModelUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    public ModelUnavailableException(String message) {
        super(message);
    }
}
