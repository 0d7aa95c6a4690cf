package dev.streaminfer.api;

/** Carries an {@link ApiError} from a plain class to the HTTP layer, which answers it verbatim. */
public final class ApiException extends RuntimeException {

    private final ApiError error;

    public ApiException(ApiError error) {
        super(error.code() + ": " + error.message(), null, false, false);
        this.error = error;
    }

    public ApiError error() {
        return error;
    }
}
