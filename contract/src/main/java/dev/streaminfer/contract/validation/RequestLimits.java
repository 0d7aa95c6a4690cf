package dev.streaminfer.contract.validation;

/** Limits every entry point enforces the same way: the API early, the job authoritatively. */
public final class RequestLimits {

    public static final int MAX_INPUTS = 256;
    public static final int MAX_REQUEST_ID_LENGTH = 128;
    public static final int MAX_USER_ID_LENGTH = 128;
    public static final long MIN_TIMEOUT_MS = 100;
    public static final long MAX_TIMEOUT_MS = 24L * 60 * 60 * 1000;
    public static final long DEFAULT_TIMEOUT_MS = 60_000;

    private RequestLimits() {}
}
