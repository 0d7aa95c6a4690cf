package dev.streaminfer.api.request;

import dev.streaminfer.api.ApiError;
import dev.streaminfer.contract.model.ErrorCode;
import java.time.Duration;

/** Query parameters of the API. */
public final class QueryParams {

    private QueryParams() {}

    /**
     * {@code ?wait_ms=N}: absent means 0 (do not wait); otherwise an integer in 0..{@code max}.
     *
     * @throws dev.streaminfer.api.ApiException 400 {@code invalid_request} otherwise
     */
    public static long waitMs(String raw, Duration max) {
        if (raw == null || raw.isEmpty()) {
            return 0;
        }
        long value;
        try {
            if (raw.length() > 10) {
                throw new NumberFormatException();
            }
            value = Long.parseLong(raw);
        } catch (NumberFormatException e) {
            throw ApiError.of(ErrorCode.INVALID_REQUEST, "wait_ms must be an integer number of milliseconds")
                    .exception();
        }
        if (value < 0 || value > max.toMillis()) {
            throw ApiError.of(ErrorCode.INVALID_REQUEST, "wait_ms must be between 0 and " + max.toMillis())
                    .exception();
        }
        return value;
    }
}
