package dev.streaminfer.contract.model;

import java.util.Locale;

/** Machine-readable error codes shared by the HTTP API, result documents and the DLQ. */
public enum ErrorCode {
    INVALID_REQUEST,
    INPUT_TOO_LONG,
    TOO_MANY_INPUTS,
    UNKNOWN_MODEL,
    PAYLOAD_TOO_LARGE,
    UNAUTHORIZED,
    FORBIDDEN,
    NOT_FOUND,
    ALREADY_FINAL,
    QUOTA_EXCEEDED,
    DEADLINE_EXCEEDED,
    INFERENCE_FAILED,
    CANCELLED,
    KAFKA_UNAVAILABLE,
    NOT_JSON,
    MISSING_FIELD,
    WRONG_TYPE,
    UNKNOWN_PLAN,
    SUBMITTED_AT_OUT_OF_RANGE,
    RESULT_TOO_LARGE;

    /** The snake_case code clients see. */
    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }
}
