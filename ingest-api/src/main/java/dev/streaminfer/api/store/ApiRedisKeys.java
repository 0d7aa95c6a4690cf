package dev.streaminfer.api.store;

import dev.streaminfer.functions.sink.redis.RedisKeys;

/**
 * Redis keys the API writes, next to the shared ones in {@link RedisKeys} (result document, usage
 * mirror) that the job writes. The job must read {@link #cancel(String)}; see the README.
 */
public final class ApiRedisKeys {

    private ApiRedisKeys() {}

    /** The result document (job-owned). */
    public static String result(String requestId) {
        return RedisKeys.result(requestId);
    }

    /** The usage mirror (job-owned). */
    public static String usage(String userId) {
        return RedisKeys.usage(userId);
    }

    /** Queued result document written by the API when it accepts a request; proves ownership. */
    public static String accepted(String requestId) {
        return "inference:accepted:" + requestId;
    }

    /** Cancel marker: value = JSON {"request_id","user_id","cancelled_at"}. */
    public static String cancel(String requestId) {
        return "inference:cancel:" + requestId;
    }

    /**
     * Idempotency claim of one user's key. The user id is length-prefixed so that no pair of
     * (user, key) can collide with another when either contains ':'.
     */
    public static String idempotency(String userId, String idempotencyKey) {
        return "inference:idem:" + userId.length() + ":" + userId + ":" + idempotencyKey;
    }
}
