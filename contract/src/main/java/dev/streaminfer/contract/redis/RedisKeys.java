package dev.streaminfer.contract.redis;

import java.util.Optional;

/**
 * Every Redis key the API and the job share, in one place. Each key kind has a prefix; a reader
 * that gets a key back (keyspace events, {@code MGET}) recovers the id with the matching
 * {@code *Id} method rather than by slicing a string of its own.
 */
public final class RedisKeys {

    private static final String RESULT = "inference:result:";
    private static final String USAGE = "inference:usage:";
    private static final String ACCEPTED = "inference:accepted:";
    private static final String CANCEL = "inference:cancel:";
    private static final String IDEMPOTENCY = "inference:idem:";

    private RedisKeys() {}

    /** The result document of one request (written by the job). */
    public static String result(String requestId) {
        return RESULT + requestId;
    }

    /** The request id of a {@link #result} key. */
    public static Optional<String> resultId(String key) {
        return idAfter(RESULT, key);
    }

    /** The per-user usage document mirrored from the job's quota state. */
    public static String usage(String userId) {
        return USAGE + userId;
    }

    /** Queued result document written by the API when it accepts a request; proves ownership. */
    public static String accepted(String requestId) {
        return ACCEPTED + requestId;
    }

    /**
     * Cancel marker written by the API (the value is {@code CancelMarkerCodec}'s JSON): what it
     * shows as {@code cancel_requested}; the job takes cancels from the requests topic instead.
     */
    public static String cancel(String requestId) {
        return CANCEL + requestId;
    }

    /**
     * Idempotency claim of one user's key. The user id is length-prefixed so that no pair of
     * (user, key) can collide with another when either contains ':'.
     */
    public static String idempotency(String userId, String idempotencyKey) {
        return IDEMPOTENCY + userId.length() + ":" + userId + ":" + idempotencyKey;
    }

    /** The pattern matching every key of this layout (for scans and keyspace subscriptions). */
    public static String resultPattern() {
        return RESULT + "*";
    }

    private static Optional<String> idAfter(String prefix, String key) {
        return key != null && key.startsWith(prefix) && key.length() > prefix.length()
                ? Optional.of(key.substring(prefix.length()))
                : Optional.empty();
    }
}
